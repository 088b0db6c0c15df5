import { FIRST_SCREEN_MESSAGES } from '../../../../common/contract';
import { decryptChatMeta, decryptMessageBody, type ChatMeta } from '../../../../common/content';
import type { ChatKeyring } from '../crypto/chat-keyring';
import type { LocalStore } from '../store/local-store';
import type { ChatRow, LocalMessageStatus, MessageRow } from '../store/rows';

export interface ChatListItem {
  readonly chatId: string;
  readonly title: string;
  readonly updatedAt: string;
  readonly pinned: boolean;
  readonly lastOpenedAt: string | null;
  readonly memberIds: string[];
  readonly decryptable: boolean;
}

export interface DisplayMessage {
  readonly messageId: string;
  readonly chatId: string;
  readonly senderUserId: string;
  readonly senderName: string;
  readonly text: string;
  readonly sentAt: number;
  readonly createdAt: string;
  readonly status: LocalMessageStatus;
  readonly mine: boolean;
  /** false when this message's envelope did not open: it is shown as such, never dropped. */
  readonly decrypted: boolean;
}

const CACHE_LIMIT = 5000;

/**
 * Plaintext exists only here, in memory: decrypted on demand from the store's ciphertext, kept in a
 * bounded cache (oldest entries dropped first), and cleared on lock or logout.
 */
export class ChatReader {
  private readonly metaCache = new Map<string, { version: number; meta: ChatMeta | null }>();
  private readonly bodyCache = new Map<string, DisplayMessage>();

  constructor(
    private readonly store: LocalStore,
    private readonly keyring: ChatKeyring,
    private readonly userId: string,
  ) {}

  meta(chat: ChatRow): ChatMeta | null {
    const cached = this.metaCache.get(chat.id);
    if (cached && cached.version === chat.meta_version) return cached.meta;
    const key = this.keyring.keyFor(chat);
    let meta: ChatMeta | null;
    try {
      meta = key ? decryptChatMeta(key, chat.id, chat.encrypted_meta) : null;
    } catch {
      meta = null;
    }
    this.metaCache.set(chat.id, { version: chat.meta_version, meta });
    return meta;
  }

  chatList(): ChatListItem[] {
    return this.store.listChats().map((chat) => {
      const meta = this.meta(chat);
      return {
        chatId: chat.id,
        title: meta?.title ?? 'Encrypted chat',
        updatedAt: chat.updated_at,
        pinned: chat.pinned === 1,
        lastOpenedAt: chat.last_opened_at,
        memberIds: (JSON.parse(chat.members) as Array<{ userId: string }>).map((m) => m.userId),
        decryptable: meta !== null,
      };
    });
  }

  messages(chatId: string, limit = FIRST_SCREEN_MESSAGES, before?: { createdAt: string; id: string }): DisplayMessage[] {
    const chat = this.store.getChat(chatId);
    if (!chat) return [];
    return this.store.listMessages(chatId, limit, before).map((row) => this.display(chat, row));
  }

  display(chat: ChatRow, row: MessageRow): DisplayMessage {
    const cached = this.bodyCache.get(row.id);
    if (cached && cached.status === row.status && cached.createdAt === row.created_at) return cached;
    const key = this.keyring.keyFor(chat);
    let body: { text: string; senderName: string; sentAt: number } | null;
    try {
      body = key ? decryptMessageBody(key, chat.id, row.id, row.ciphertext) : null;
    } catch {
      body = null;
    }
    const message: DisplayMessage = {
      messageId: row.id,
      chatId: row.chat_id,
      senderUserId: row.sender_user_id,
      senderName: body?.senderName ?? 'Unknown',
      text: body?.text ?? '',
      sentAt: body?.sentAt ?? Date.parse(row.created_at),
      createdAt: row.created_at,
      status: row.status,
      mine: row.sender_user_id === this.userId,
      decrypted: body !== null,
    };
    this.bodyCache.set(row.id, message);
    if (this.bodyCache.size > CACHE_LIMIT) this.bodyCache.delete(this.bodyCache.keys().next().value!);
    return message;
  }

  /** Decrypts a chat's recent history ahead of time (phase 1: the last opened chat is readable at once). */
  warm(chatId: string, limit = FIRST_SCREEN_MESSAGES): number {
    return this.messages(chatId, limit).length;
  }

  clear(): void {
    this.metaCache.clear();
    this.bodyCache.clear();
  }
}
