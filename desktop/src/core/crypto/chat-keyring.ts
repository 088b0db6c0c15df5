import {
  type BoxKeyPair,
  type ChatKey,
  chatKeyFromBytes,
  type MasterKey,
  openSealedBytes,
  unwrapChatKey,
} from '../../../../common/crypto';
import type { ChatRow } from '../store/rows';

/**
 * Chat keys, unwrapped on demand under the master key and kept in memory only. A chat whose key can't be
 * opened is reported by returning null — its data stays encrypted and untouched.
 */
export class ChatKeyring {
  private readonly keys = new Map<string, ChatKey>();

  constructor(
    private readonly masterKey: MasterKey,
    private readonly userId: string,
    private readonly identity: () => BoxKeyPair | null = () => null,
  ) {}

  keyFor(chat: Pick<ChatRow, 'id' | 'wrapped_chat_key' | 'sealed_chat_key'>): ChatKey | null {
    const cached = this.keys.get(chat.id);
    if (cached) return cached;
    let key: ChatKey | null = null;
    try {
      if (chat.wrapped_chat_key) key = unwrapChatKey(chat.wrapped_chat_key, this.masterKey, chat.id, this.userId);
      else if (chat.sealed_chat_key && this.identity())
        key = chatKeyFromBytes(openSealedBytes(chat.sealed_chat_key, this.identity()!));
    } catch {
      key = null;
    }
    if (key) this.keys.set(chat.id, key);
    return key;
  }

  forget(chatId: string): void {
    this.keys.get(chatId)?.fill(0);
    this.keys.delete(chatId);
  }

  clear(): void {
    for (const key of this.keys.values()) key.fill(0);
    this.keys.clear();
  }
}
