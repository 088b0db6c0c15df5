import type { KeyVault, VaultEntry } from './key-vault';

/** In-memory vault: nothing survives the process. For benchmarks and ephemeral sessions. */
export class MemoryKeyVault implements KeyVault {
  private readonly entries = new Map<VaultEntry, Uint8Array>();
  async get(name: VaultEntry) {
    return this.entries.get(name) ?? null;
  }
  async set(name: VaultEntry, value: Uint8Array) {
    this.entries.set(name, new Uint8Array(value));
  }
  async delete(name: VaultEntry) {
    this.entries.get(name)?.fill(0);
    this.entries.delete(name);
  }
  async wipe() {
    for (const name of [...this.entries.keys()]) await this.delete(name);
  }
}
