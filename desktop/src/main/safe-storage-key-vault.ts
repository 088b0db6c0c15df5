import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { safeStorage } from 'electron';
import { type KeyVault, VAULT_ENTRIES, type VaultEntry } from '../core/keys/key-vault';

/** Why the OS keychain can't be used, in words for the user; null when it can. */
export function keychainProblem(platform: NodeJS.Platform = process.platform): string | null {
  if (!safeStorage.isEncryptionAvailable()) {
    return 'Symc cannot store its keys: the system keychain is not available (on Linux, install and unlock GNOME Keyring or KWallet).';
  }
  // Linux without a keyring service: Electron falls back to 'basic_text', a fixed built-in password — obfuscation,
  // not encryption. Only readable after app 'ready'.
  if (platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') {
    return "Symc cannot store its keys: this Linux session has no keychain (Electron offers only 'basic_text', which does not encrypt). Install and unlock GNOME Keyring or KWallet (libsecret), then try again.";
  }
  return null;
}

/**
 * The Electron KeyVault: each secret is encrypted with `safeStorage` (macOS Keychain, Windows DPAPI,
 * libsecret/kwallet on Linux) and written as a 0600 file. Refuses to store or read anything when the OS offers
 * no real encryption (Linux "basic_text" backend) — a master key in plain text on disk is not an option — with
 * a message the pairing screen shows as is.
 */
export class SafeStorageKeyVault implements KeyVault {
  constructor(
    private readonly dir: string,
    private readonly platform: NodeJS.Platform = process.platform,
  ) {}

  static available(platform: NodeJS.Platform = process.platform): boolean {
    return keychainProblem(platform) === null;
  }

  private file(name: VaultEntry): string {
    return path.join(this.dir, `${name}.sealed`);
  }

  private requireKeychain(): void {
    const problem = keychainProblem(this.platform);
    if (problem !== null) throw new Error(problem);
  }

  async get(name: VaultEntry): Promise<Uint8Array | null> {
    const file = this.file(name);
    if (!existsSync(file)) return null;
    this.requireKeychain();
    const text = safeStorage.decryptString(readFileSync(file));
    return new Uint8Array(Buffer.from(text, 'base64'));
  }

  async set(name: VaultEntry, value: Uint8Array): Promise<void> {
    this.requireKeychain();
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
