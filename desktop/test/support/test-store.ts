import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalStore } from '../../src/core/store/local-store';
import { type TestAccount, testAccount } from './sync-fixtures';

/** A store in a fresh temp directory, and an account whose keyring reads the store's key copies (unit tests). */
export function openTestStore(prefix: string): { dir: string; store: LocalStore; me: TestAccount } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const store = LocalStore.open(path.join(dir, 'local.db'));
  return { dir, store, me: testAccount((id, version) => store.chatKeyCopy(id, version)) };
}

/** Closes the store and deletes its directory. */
export function closeTestStore({ dir, store }: { dir: string; store: LocalStore }): void {
  store.close();
  rmSync(dir, { recursive: true, force: true });
}
