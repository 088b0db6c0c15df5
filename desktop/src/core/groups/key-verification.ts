import { ApiError, type ChatSummary } from '../../../../common/contract';
import { wrapChatKey } from '../../../../common/crypto';
import type { ApiCaller } from '../../../../common/trust/contact-book-replica';
import { type GroupContacts, type GroupMember, openChat } from '../../../../common/trust/group-actions';
import type { LocalStore } from '../store/local-store';
import type { SyncProblem } from '../sync/event-applier';

/** A key copy of version >= 2 that matched the chat's verified statements, re-wrapped by this desktop. */
export interface VerifiedKeyCopy {
  readonly chatId: string;
  readonly keyVersion: number;
  readonly wrappedChatKey: string;
}

export interface KeyVerification {
  readonly keys: VerifiedKeyCopy[];
  readonly problems: SyncProblem[];
}

/**
 * Verification could not finish for a passing reason (offline, the server failing): the events are not
 * applied, and the engine reconnects and tries again from the stored position — nothing is skipped.
 */
export class KeyVerificationDeferred extends Error {
  constructor(reason: string) {
    super(`The keys of a changed chat could not be checked yet (${reason}); syncing resumes by itself.`);
    this.name = 'KeyVerificationDeferred';
  }
}

function isPassing(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 0 || error.status >= 500 || error.status === 429);
}

/**
 * Key copies of version 2 and later enter the desktop's store only through here (docs/GROUPS.md): the
 * chat's signed membership statements are fetched and checked against the pinned signing keys, and every
 * copy must match its version's key commitment — exactly the phone's check (`openChat`,
 * common/trust/group-actions.ts). A copy the server made up, or a chain that doesn't verify, is dropped:
 * the messages under it stay unreadable, and the problem is reported. Version 1 is trusted as it always
 * was (it has no earlier statement to check against in chats from before statements).
 */
export class ChatKeyVerifier {
  constructor(
    private readonly call: ApiCaller,
    private readonly store: LocalStore,
    /** This account as a group member; null while its identity key isn't available on this device. */
    private readonly member: () => Promise<GroupMember | null>,
    private readonly contacts: () => GroupContacts,
  ) {}

  /** The chats among these whose copies of version >= 2 are not all stored here yet. */
  pending(chats: readonly ChatSummary[]): ChatSummary[] {
    const byId = new Map<string, ChatSummary>();
    for (const chat of chats) {
      const missing = (chat.myKeys ?? []).some(
        (copy) => copy.keyVersion > 1 && this.store.chatKeyCopy(chat.chatId, copy.keyVersion) === null,
      );
      if (missing) byId.set(chat.chatId, chat);
    }
    return [...byId.values()];
  }

  /** Throws KeyVerificationDeferred when the check could not run for a passing reason. */
  async verify(chats: readonly ChatSummary[], event: string): Promise<KeyVerification> {
    const keys: VerifiedKeyCopy[] = [];
    const problems: SyncProblem[] = [];
    const pending = this.pending(chats);
    if (pending.length === 0) return { keys, problems };
    const me = await this.member();
    for (const chat of pending) {
      if (!me) {
        problems.push({
          code: 'unverified_keys',
          event,
          message: `the newer keys of chat ${chat.chatId} wait: this device has no identity key yet`,
        });
        continue;
      }
      try {
        const { keys: opened } = await openChat(this.call, me, this.contacts(), chat);
        for (const [keyVersion, key] of opened.byVersion) {
          if (keyVersion < 2) continue;
          keys.push({
            chatId: chat.chatId,
            keyVersion,
            wrappedChatKey: wrapChatKey(key, me.masterKey, chat.chatId, me.userId, keyVersion),
          });
        }
        const dropped = (chat.myKeys ?? [])
          .map((copy) => copy.keyVersion)
          .filter((v) => v > 1 && !opened.byVersion.has(v));
        if (dropped.length > 0)
          problems.push({
            code: 'unverified_keys',
            event,
            message: `dropped the key of chat ${chat.chatId} version ${dropped.join(', ')}: it does not match what the members signed`,
          });
      } catch (error) {
        if (isPassing(error)) throw new KeyVerificationDeferred((error as Error).message);
        problems.push({
          code: 'unverified_keys',
          event,
          message: `dropped the newer keys of chat ${chat.chatId}: ${(error as Error).message}`,
        });
      }
    }
    return { keys, problems };
  }
}

/** Stores what `verify` accepted (inside the transaction that applies the events it was checked for). */
export function storeVerifiedKeys(store: LocalStore, keys: readonly VerifiedKeyCopy[]): void {
  for (const k of keys) store.putVerifiedChatKey(k.chatId, k.keyVersion, k.wrappedChatKey);
}
