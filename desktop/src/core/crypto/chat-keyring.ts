import {
  type BoxKeyPair,
  type ChatKey,
  chatKeyFromBytes,
  type MasterKey,
  openSealedBytes,
  unwrapChatKey,
} from '../../../../common/crypto';
import type { ChatKeyRow, ChatRow } from '../store/rows';

/** Where the key ring finds this user's stored copy of a version of a chat's key (the store's `chat_keys`). */
export type ChatKeyCopies = (chatId: string, keyVersion: number) => ChatKeyRow | null;

/**
 * Chat keys, one per version (docs/GROUPS.md), unwrapped on demand under the master key and kept in memory
 * only. A key that can't be opened is reported by returning null — the data under it stays encrypted and
 * untouched. The store holds a copy of version 2 or later only once it was verified against the chat's
 * signed membership statements (core/groups/key-verification.ts), so every key opened here is one a member
 * made, not the server.
 */
export class ChatKeyring {
  private readonly keys = new Map<string, ChatKey>();

  constructor(
    private readonly masterKey: MasterKey,
    private readonly userId: string,
    private readonly identity: () => BoxKeyPair | null,
    private readonly copies: ChatKeyCopies,
  ) {}

  /** The key of `keyVersion` (default: the version the chat writes under now). */
  keyFor(chat: Pick<ChatRow, 'id' | 'key_version'>, keyVersion: number = chat.key_version): ChatKey | null {
    const slot = `${chat.id}/${keyVersion}`;
    const cached = this.keys.get(slot);
    if (cached) return cached;
    const copy = this.copies(chat.id, keyVersion);
    if (!copy) return null;
    let key: ChatKey | null = null;
    try {
      if (copy.wrapped_chat_key)
        key = unwrapChatKey(copy.wrapped_chat_key, this.masterKey, chat.id, this.userId, keyVersion);
      else if (copy.sealed_chat_key && this.identity())
        key = chatKeyFromBytes(openSealedBytes(copy.sealed_chat_key, this.identity()!));
    } catch {
      key = null;
    }
    if (key) this.keys.set(slot, key);
    return key;
  }

  /**
   * Opens a version-1 copy the store doesn't hold (a chat listed from the server before it is adopted, for
   * its title), not kept. Version 1 is trusted on first use as it always was; a later version's copy is
   * opened only from the store, after its membership verified — so this returns null for one.
   */
  openFirstVersionCopy(
    chatId: string,
    copy: Omit<ChatKeyRow, 'chat_id' | 'key_version'>,
    keyVersion: number,
  ): ChatKey | null {
    if (keyVersion !== 1) return null;
    try {
      if (copy.wrapped_chat_key) return unwrapChatKey(copy.wrapped_chat_key, this.masterKey, chatId, this.userId, 1);
      if (copy.sealed_chat_key && this.identity())
        return chatKeyFromBytes(openSealedBytes(copy.sealed_chat_key, this.identity()!));
    } catch {
      return null;
    }
    return null;
  }

  forget(chatId: string): void {
    for (const [slot, key] of this.keys) {
      if (slot.startsWith(`${chatId}/`)) {
        key.fill(0);
        this.keys.delete(slot);
      }
    }
  }

  clear(): void {
    for (const key of this.keys.values()) key.fill(0);
    this.keys.clear();
  }
}
