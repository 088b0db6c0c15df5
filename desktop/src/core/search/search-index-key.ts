import { randomBytes } from 'node:crypto';
import type { KeyVault } from '../keys/key-vault';
import { EncryptedSearchIndex } from './encrypted-search-index';

/**
 * The search index's database key, from the vault (the OS keychain in Electron): made on first use. A key of the
 * wrong size (damaged entry) is replaced — the index it opened is rebuilt from the store.
 */
export async function searchIndexKey(vault: KeyVault): Promise<Uint8Array> {
  const stored = await vault.get('database-key');
  if (stored && stored.length === EncryptedSearchIndex.KEY_BYTES) return stored;
  const key = new Uint8Array(randomBytes(EncryptedSearchIndex.KEY_BYTES));
  await vault.set('database-key', key);
  return key;
}
