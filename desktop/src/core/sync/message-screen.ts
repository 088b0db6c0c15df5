import type { MessageRecord } from '../../../../common/contract';
import type { ChatKey } from '../../../../common/crypto';
import type { ChatKeyring } from '../crypto/chat-keyring';
import type { LocalStore } from '../store/local-store';
import { messageEnvelopeOpens } from './envelope-check';
import type { SyncProblem } from './sync-problem';

/** A chat's keys by version, looked up once per batch (docs/GROUPS.md: a message opens with its version's key). */
export class ChatKeys {
  private readonly keys = new Map<string, ChatKey | null>();

  constructor(
    private readonly store: LocalStore,
    private readonly keyring: ChatKeyring,
  ) {}

  /** The key; null: this device can't open that version; 'missing': the chat is not in the store. */
  keyOf(chatId: string, keyVersion: number): ChatKey | null | 'missing' {
    const slot = `${chatId}/${keyVersion}`;
    if (!this.keys.has(slot)) {
      const chat = this.store.getChat(chatId);
      if (!chat) return 'missing';
      this.keys.set(slot, this.keyring.keyFor(chat, keyVersion));
    }
    return this.keys.get(slot)!;
  }

  /** The chat's keys changed (or it is gone): look them up again. */
  forget(chatId: string): void {
    for (const slot of this.keys.keys()) if (slot.startsWith(`${chatId}/`)) this.keys.delete(slot);
  }
}

export interface ScreenVerdict {
  /** The messages whose envelope opened in their own row (and tombstones), in arrival order. */
  readonly ok: MessageRecord[];
  readonly problems: SyncProblem[];
  /** Live messages of chats the store doesn't have: the engine fetches the chat and retries. */
  readonly missingChats: string[];
}

/**
 * Decides which messages of one event may be stored: each envelope must open under its chat's key in its own
 * row (`messageEnvelopeOpens`), or the message is skipped and reported. Messages may be added in several
 * slices (the engine yields between them); a chat without a key is reported once per event, not per slice.
 */
export class MessageScreen {
  private readonly ok: MessageRecord[] = [];
  private readonly problems: SyncProblem[] = [];
  private readonly missing = new Set<string>();
  private readonly refused = new Map<string, Set<number>>();

  constructor(
    private readonly keys: ChatKeys,
    private readonly event: string,
    private readonly live: boolean,
  ) {}

  add(messages: readonly MessageRecord[]): void {
    for (const message of messages) {
      const version = message.keyVersion ?? 1;
      const key = this.keys.keyOf(message.chatId, version);
      if (key === 'missing' && this.live) this.missing.add(message.chatId);
      else if (key === null || key === 'missing')
        this.refused.set(message.chatId, (this.refused.get(message.chatId) ?? new Set()).add(version));
      // A tombstone has no envelope to open (delete for everyone: docs/MESSAGES.md).
      else if (message.deletedAt && message.ciphertext === '') this.ok.push(message);
      else if (messageEnvelopeOpens(key, message.chatId, message.messageId, message.ciphertext, version))
        this.ok.push(message);
      else {
        this.problems.push({
          code: 'undecryptable_message',
          event: this.event,
          message: `skipped message ${message.messageId} of chat ${message.chatId}: its envelope does not open (damaged or not this message's)`,
        });
      }
    }
  }

  verdict(): ScreenVerdict {
    const problems = [...this.problems];
    for (const [chatId, versions] of this.refused) {
      problems.push({
        code: 'undecryptable_chat',
        event: this.event,
        message: `skipped messages of chat ${chatId}: this device has no key for it (key version ${[...versions].join(', ')})`,
      });
    }
    return { ok: this.ok, problems, missingChats: [...this.missing] };
  }
}
