import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { safeStorage } from 'electron';
import { type KeyVault, VAULT_ENTRIES, type VaultEntry } from '../core/keys/key-vault';

/**
 * The Electron KeyVault: each secret is encrypted with `safeStorage` (macOS Keychain, Windows DPAPI,
 * libsecret/kwallet on Linux) and written as a 0600 file. Refuses to store anything when the OS offers no
 * real encryption (Linux "basic_text" backend) — a master key in plain text on disk is not an option.
 */
export class SafeStorageKeyVault implements KeyVault {
  constructor(private readonly dir: string) {}

  static available(): boolean {
    if (!safeStorage.isEncryptionAvailable()) return false;
    return process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text';
  }

  private file(name: VaultEntry): string {
    return path.join(this.dir, `${name}.sealed`);
  }

  async get(name: VaultEntry): Promise<Uint8Array | null> {
    const file = this.file(name);
    if (!existsSync(file)) return null;
    const text = safeStorage.decryptString(readFileSync(file));
    return new Uint8Array(Buffer.from(text, 'base64'));
  }

  async set(name: VaultEntry, value: Uint8Array): Promise<void> {
    if (!SafeStorageKeyVault.available()) throw new Error('The system keychain is not available: Symc will not store its keys unencrypted.');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.file(name)}.tmp`;
    writeFileSync(tmp, safeStorage.encryptString(Buffer.from(value).toString('base64')), { mode: 0o600 });
    renameSync(tmp, this.file(name));
  }

  async delete(name: VaultEntry): Promise<void> {
    rmSync(this.file(name), { force: true });
  }

  async wipe(): Promise<void> {
    for (const name of VAULT_ENTRIES) await this.delete(name);
  }
}
