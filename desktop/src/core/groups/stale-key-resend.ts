import { decryptMessageBody, encryptMessageBody } from '../../../../common/content';
import type { ChatKey } from '../../../../common/crypto';
import type { ChatKeyring } from '../crypto/chat-keyring';
import type { LocalStore } from '../store/local-store';
import type { OutboxRow } from '../store/rows';

/**
 * How many times one attempt to send a queued message may move it to a newer key version. Each move needs
 * a strictly newer version whose signed membership chain this desktop verified, so only real membership
 * changes can cause one; the bound stops a server that keeps answering "stale" (or members changing the
 * chat faster than the message can land) from keeping the message in a loop. After it: failed, the user
 * may try again.
 */
export const MAX_KEY_MOVES = 3;

/** The chat's current key version, verified by this desktop (docs/GROUPS.md): what a queued message moves to. */
export interface VerifiedCurrentKey {
  readonly keyVersion: number;
  readonly key: ChatKey;
}

/**
 * Where the verified current key comes from (DesktopGroups.verifiedCurrentKey: the server's summary, the
 * signed statements checked against the pinned keys, a due rotation made first). Throws `KeyMoveDeferred`
 * for a passing reason (offline, a 5xx); any other error is a refusal.
 */
export type CurrentKeySource = (chatId: string) => Promise<VerifiedCurrentKey>;

/** The check could not run now (offline, the server failing): the message stays queued as it is. */
export class KeyMoveDeferred extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'KeyMoveDeferred';
  }
}

export type KeyMove =
  | { readonly ok: true; readonly ciphertext: string; readonly keyVersion: number }
  | { readonly ok: false; readonly reason: string };

/**
 * The server refused a queued message as written under a replaced key version (409 `stale_version`): the
 * body is opened with the key it was written under and sealed again, same message id, under the chat's
 * current version — only one this desktop verified itself, and only a newer one than the message has (a
 * server claiming "stale" without a newer signed version is not believed: nothing is downgraded, and the
 * message fails with the reason). The body and its signature are kept as they are: the signature covers
 * the chat, the message id and the author, not the key version. The caller keeps the client key, so a
 * send whose answer was lost lands once (the server's idempotency by device and client key).
 */
export async function moveToCurrentKey(
  deps: { readonly store: LocalStore; readonly keyring: ChatKeyring; readonly current: CurrentKeySource },
  row: Pick<OutboxRow, 'message_id' | 'chat_id' | 'ciphertext' | 'key_version'>,
): Promise<KeyMove> {
  const chat = deps.store.getChat(row.chat_id);
  if (!chat) return { ok: false, reason: 'This chat is no longer on this desktop.' };
  const written = deps.keyring.keyFor(chat, row.key_version);
  if (!written) return { ok: false, reason: `This desktop no longer has the key this message was written under.` };
  const body = decryptMessageBody(written, row.chat_id, row.message_id, row.ciphertext, row.key_version);
  let current: VerifiedCurrentKey;
  try {
    current = await deps.current(row.chat_id);
  } catch (error) {
    if (error instanceof KeyMoveDeferred) throw error;
    return {
      ok: false,
      reason: `The server says this chat's key changed, but the new key could not be verified: ${(error as Error).message}`,
    };
  }
  if (current.keyVersion <= row.key_version)
    return {
      ok: false,
      reason:
        `The server says this chat's key changed, but the newest version its members signed is ${current.keyVersion}, ` +
        `and this message is already under version ${row.key_version}: not sent.`,
    };
  return {
    ok: true,
    keyVersion: current.keyVersion,
    ciphertext: encryptMessageBody(current.key, row.chat_id, row.message_id, body, current.keyVersion),
  };
}
