import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { type HeldChat, MAX_HELD_CHATS, MAX_HELD_EXCEPT } from '../../../../common/contract';
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

/** Messages committed within this long before a chat's newest held one may be missing (out of time order). */
export const HELD_WINDOW_MS = 60_000;

/**
 * Right after the same account linked again: what the kept store holds, frozen until the sync is primed
 * (sent with every stream request: a fresh plan — its position older than the server's log — then skips
 * it; a live resume ignores it). Only a store that had finished a sync (a seq position) describes itself.
 */
export function describeKeptHistory(store: LocalStore): void {
  if (!/^\d+$/.test(store.getState('last_event_id') ?? '')) return;
  const held = fitHeaderBudget(store.heldHistory(HELD_WINDOW_MS, MAX_HELD_EXCEPT, MAX_HELD_CHATS));
  store.setState('held_history', JSON.stringify(held));
}

/** What a request header may carry (servers refuse headers past 8–16 KB): the description stays under it. */
export const HELD_HEADER_BUDGET = 6_000;

/**
 * Keeps the description under the header budget, most recently active chats first: a chat that doesn't
 * fit whole goes with fewer listed ids, or not at all. Both only make the server send more, never less.
 */
export function fitHeaderBudget(held: readonly HeldChat[], budget = HELD_HEADER_BUDGET): HeldChat[] {
  const kept: HeldChat[] = [];
  let size = 2; // []
  for (const chat of held) {
    const bare = JSON.stringify({ ...chat, except: [] }).length + 1;
    if (size + bare > budget) break;
    let take = chat.except.length;
    while (take > 0 && size + JSON.stringify({ ...chat, except: chat.except.slice(0, take) }).length + 1 > budget)
      take = Math.floor(take / 2);
    const entry = { ...chat, except: chat.except.slice(0, take) };
    size += JSON.stringify(entry).length + 1;
    kept.push(entry);
  }
  return kept;
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
