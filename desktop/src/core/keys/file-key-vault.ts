import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type KeyVault, VAULT_ENTRIES, type VaultEntry } from './key-vault';

/**
 * Secrets as files with mode 0600 in a 0700 directory — for headless use and tests, where there is no
 * OS keychain. Writes are atomic (temp file + rename) so a crash never leaves half a key.
 */
export class FileKeyVault implements KeyVault {
  constructor(private readonly dir: string) {}

  private file(name: VaultEntry): string {
    return path.join(this.dir, `${name}.key`);
  }

  async get(name: VaultEntry): Promise<Uint8Array | null> {
    const file = this.file(name);
    return existsSync(file) ? new Uint8Array(readFileSync(file)) : null;
  }

  async set(name: VaultEntry, value: Uint8Array): Promise<void> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    const tmp = `${this.file(name)}.tmp`;
    writeFileSync(tmp, value, { mode: 0o600 });
    renameSync(tmp, this.file(name));
  }

  async delete(name: VaultEntry): Promise<void> {
    rmSync(this.file(name), { force: true });
  }

  async wipe(): Promise<void> {
    for (const name of VAULT_ENTRIES) await this.delete(name);
  }
}
