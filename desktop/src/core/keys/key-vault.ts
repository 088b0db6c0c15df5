/**
 * Where the desktop keeps its secrets at rest: the master key and the device's tokens.
 * The Electron shell implements it with `safeStorage` (the OS keychain); headless runs and tests use
 * FileKeyVault. The core never knows which.
 */
export interface KeyVault {
  get(name: VaultEntry): Promise<Uint8Array | null>;
  set(name: VaultEntry, value: Uint8Array): Promise<void>;
  delete(name: VaultEntry): Promise<void>;
  /** Removes every entry: unlink and logout. */
  wipe(): Promise<void>;
}

export type VaultEntry = 'master-key' | 'credentials' | 'database-key';
export const VAULT_ENTRIES: readonly VaultEntry[] = ['master-key', 'credentials', 'database-key'];
