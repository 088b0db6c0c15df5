import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { keyedHash, type MasterKey, toBase64Url, utf8 } from '../../../../common/crypto';
import { LocalStore } from '../store/local-store';

/**
 * Which account a kept store belongs to, proven on this desktop alone: a keyed hash of the account's
 * master key over its user id. Nothing the server says enters it — a malicious server can name any
 * account, but it can't make another account's master key hash to this one. Kept in the store's
 * sync_state (it reveals nothing without the key), so it survives the vault's wipe at a session's end.
 */
export function accountFingerprint(masterKey: MasterKey, userId: string): string {
  return toBase64Url(keyedHash(utf8.encode(`symc/v1/store-account\0${userId}`), masterKey, 32));
}

/**
 * What opening the store for an account did with what it held:
 * - `same`: it was this account's (the fingerprint matches) — kept, the sync resumes from its position;
 * - `empty`: nothing to keep (a first link, or a store from before fingerprints that held nothing);
 * - `wiped`: another account's (or unproven, right after a link) — erased before anything of this account
 *   was written into it.
 */
export type StoreClaim = 'same' | 'empty' | 'wiped';

/**
 * Checks the store against the account now in the vault. A store without a fingerprint is adopted only
 * when it is not right after a link (a linked desktop upgraded from a build before fingerprints); right
 * after a link it could be anyone's, so it goes unless it holds nothing.
 */
export function claimStore(
  store: LocalStore,
  fingerprint: string,
  justLinked: boolean,
): { claim: StoreClaim; store: LocalStore } {
  const stored = store.getState('account');
  if (stored === fingerprint) return { claim: 'same', store };
  const holdsAnything = store.holdsAnything();
  if (stored === null && (!holdsAnything || !justLinked)) {
    store.setState('account', fingerprint);
    return { claim: holdsAnything ? 'same' : 'empty', store };
  }
  const file = store.file;
  store.wipe();
  const fresh = LocalStore.open(file);
  fresh.setState('account', fingerprint);
  return { claim: 'wiped', store: fresh };
}

/** What a desktop keeps beside its store for one account: erased with it when another account links. */
export const ACCOUNT_FILES_BESIDE_STORE = ['attachments'] as const;

/** Erases the per-account files beside the store (the attachments cache). The search index goes with the app. */
export function eraseAccountFiles(dataDir: string): void {
  for (const name of ACCOUNT_FILES_BESIDE_STORE) {
    const target = path.join(dataDir, name);
    if (existsSync(target)) rmSync(target, { recursive: true, force: true });
  }
}
