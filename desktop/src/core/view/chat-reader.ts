import { FIRST_SCREEN_MESSAGES } from '../../../../common/contract';
import type { MessageEditRecord } from '../../../../common/contract';
import {
  type AttachmentRef,
  type ChatMeta,
  decryptChatMeta,
  decryptMessageBody,
  type EditView,
  type MessageBody,
  readEdit,
  type ReplyQuote,
} from '../../../../common/content';
import {
  type AuthorState,
  type SenderBook,
  UNCHECKED_SENDER,
  UNVERIFIED_SENDER,
} from '../../../../common/trust/message-author';
import type { ChatKeyring } from '../crypto/chat-keyring';
import type { LocalStore } from '../store/local-store';
import type { ChatRow, LocalMessageStatus, MessageRow, StoredReceipts } from '../store/rows';

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
  /** From the sender directory (never from the body); a description for unverified and pending messages. */
  readonly senderName: string;
  /** What the author's signature says (common/trust/message-author.ts). */
  readonly verification: AuthorState;
  readonly text: string;
  readonly sentAt: number;
  readonly createdAt: string;
  readonly status: LocalMessageStatus;
  /** Written by this account, as its signature shows (a message the server pins on me that I didn't sign is not mine). */
  readonly mine: boolean;
  /** false when this message's envelope did not open: it is shown as such, never dropped. */
  readonly decrypted: boolean;
  /** The message this one answers, as its author quoted it (inside the signed body). */
  readonly replyTo: ReplyQuote | null;
  /** Shown text is this edit's (signed by the author); null when never edited or no edit verified. */
  readonly edited: { readonly version: number; readonly editedAt: number } | null;
  /** An edit arrived that is not signed by the author: the original text stays (docs/MESSAGES.md). */
  readonly editRefused: boolean;
  /** Deleted for everyone: no text, a tombstone. */
  readonly deleted: boolean;
  /** Files the signed body carries (docs/ATTACHMENTS.md); empty for text-only and deleted messages. */
  readonly attachments: readonly AttachmentRef[];
  /**
   * On my own messages: how many of the other members delivered / read it (docs/MESSAGES.md); null on
   * others' messages. `read` is 0 while I don't send read receipts (I don't see others' either).
   */
  readonly receipts: ReceiptCounts | null;
}

export interface ReceiptCounts {
  readonly delivered: number;
  readonly read: number;
  /** The chat's other members now. */
  readonly recipients: number;
}

/** Who delivered / read one of my messages, each with when (ISO); `readAt` null while not read (or hidden). */
export interface ReceiptDetail {
  readonly userId: string;
  /** The directory's (pinned) username; "Unknown member" until fetched. */
  readonly name: string;
  readonly deliveredAt: string | null;
  readonly readAt: string | null;
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
    private readonly senders: SenderBook,
    /** Whether others' read state is shown: off while this user doesn't send read receipts (like Signal). */
    private readonly showReadState: () => boolean = () => true,
  ) {}

  /**
   * Fetches the names and signing keys of the senders of these rows (and of the chat's members) before a
   * view displays them; never rejects — an unreachable directory leaves them pending, shown as such.
   */
  async loadSenders(userIds: Iterable<string>, waitMs?: number): Promise<void> {
    await this.senders.load(userIds, waitMs);
  }

  meta(chat: ChatRow): ChatMeta | null {
    const cached = this.metaCache.get(chat.id);
    if (cached && cached.version === chat.meta_version) return cached.meta;
    // Written under the chat's current key version (docs/GROUPS.md).
    const key = this.keyring.keyFor(chat);
    let meta: ChatMeta | null;
    try {
      meta = key ? decryptChatMeta(key, chat.id, chat.encrypted_meta, chat.key_version) : null;
    } catch {
      meta = null;
    }
    // An unreadable title is not remembered: the key of a new version may be verified a moment later.
    if (meta) this.metaCache.set(chat.id, { version: chat.meta_version, meta });
    return meta;
  }

  // ---- reads for the app's views (the store's rows never leave the core) ----

  chat(chatId: string): ChatRow | null {
    return this.store.getChat(chatId);
  }

  hasChat(chatId: string): boolean {
    return this.store.hasChat(chatId);
  }

  chatIds(): string[] {
    return this.store.listChats().map((c) => c.id);
  }

  /** One message, decrypted and its author checked; null when it is not in the store. */
  message(chatId: string, messageId: string): DisplayMessage | null {
    const chat = this.store.getChat(chatId);
    const row = chat ? this.store.getMessage(chatId, messageId) : null;
    return chat && row ? this.display(chat, row) : null;
  }

  lastMessage(chatId: string): DisplayMessage | null {
    const chat = this.store.getChat(chatId);
    const row = chat ? this.store.listMessages(chatId, 1)[0] : undefined;
    return chat && row ? this.display(chat, row) : null;
  }

  /**
   * A page of a chat, newest first: the `limit` messages before `beforeMessageId` (or the latest). The
   * names and signing keys of who wrote it are loaded first — its members on the first page, and any
   * sender the server names. Null when `beforeMessageId` is not in the chat.
   */
  async page(chatId: string, limit: number, beforeMessageId?: string): Promise<DisplayMessage[] | null> {
    const chat = this.store.getChat(chatId);
    if (!chat) return null;
    let before: { createdAt: string; id: string } | undefined;
    if (beforeMessageId !== undefined) {
      const row = this.store.getMessage(chatId, beforeMessageId);
      if (!row) return null;
      before = { createdAt: row.created_at, id: row.id };
    }
    const rows = this.store.listMessages(chatId, limit, before);
    const members = before ? [] : (JSON.parse(chat.members) as Array<{ userId: string }>).map((m) => m.userId);
    await this.loadSenders([...members, ...rows.map((r) => r.sender_user_id)]);
    return rows.map((row) => this.display(chat, row));
  }

  /** Every message of a chat for the search index: text only, no author check (see ChatReader.display). */
  messagesForIndex(chatId: string, limit: number): DisplayMessage[] {
    const chat = this.store.getChat(chatId);
    if (!chat) return [];
    return this.store.listMessages(chatId, limit).map((m) => this.display(chat, m, { checkAuthor: false }));
  }

  /** One message for the search index (re-read after an edit): text only, no author check. */
  messageForIndex(chatId: string, messageId: string): DisplayMessage | null {
    const chat = this.store.getChat(chatId);
    const row = chat ? this.store.getMessage(chatId, messageId) : null;
    return chat && row ? this.display(chat, row, { checkAuthor: false }) : null;
  }

  /** Messages stored per chat: the search index compares its own counts with these after a restart. */
  messageCounts(): Map<string, number> {
    return this.store.messageCounts();
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

  messages(
    chatId: string,
    limit = FIRST_SCREEN_MESSAGES,
    before?: { createdAt: string; id: string },
  ): DisplayMessage[] {
    const chat = this.store.getChat(chatId);
    if (!chat) return [];
    return this.store.listMessages(chatId, limit, before).map((row) => this.display(chat, row));
  }

  /**
   * `checkAuthor: false` — for the search index, which shows no author: the signature is not checked
   * (an Ed25519 verification costs ~100× the AEAD open) and the result is not cached, so a view still
   * checks it when it shows the message.
   */
  display(chat: ChatRow, row: MessageRow, options: { readonly checkAuthor?: boolean } = {}): DisplayMessage {
    const shown = this.displayContent(chat, row, options);
    if (row.sender_user_id !== this.userId) return shown;
    // Receipts change without the content: read fresh on every view, never cached with the text.
    const showRead = this.showReadState();
    const receipts = this.receiptCounts(chat, row, showRead);
    const status = !showRead && row.status === 'read' ? 'delivered' : row.status;
    return { ...shown, status, receipts };
  }

  /**
   * Who of the chat's other members delivered / read one of my messages; null when not mine or not here.
   * Their names are fetched first (never rejects: an unreachable directory leaves them unknown).
   */
  async receiptDetails(chatId: string, messageId: string): Promise<ReceiptDetail[] | null> {
    const chat = this.store.getChat(chatId);
    const row = chat ? this.store.getMessage(chatId, messageId) : null;
    if (!chat || !row || row.sender_user_id !== this.userId) return null;
    const stored = parseReceipts(row);
    const showRead = this.showReadState();
    const delivered = new Map(stored.deliveredTo.map((r) => [r.userId, r.at]));
    const read = new Map(stored.readBy.map((r) => [r.userId, r.at]));
    const members = (JSON.parse(chat.members) as Array<{ userId: string }>).map((m) => m.userId);
    // Members now, then anyone who left after a receipt (their receipt stays true).
    const ids = [...new Set([...members.filter((id) => id !== this.userId), ...delivered.keys()])];
    await this.loadSenders(ids);
    return ids.map((userId) => ({
      userId,
      name: this.senders.known(userId)?.username ?? 'Unknown member',
      deliveredAt: delivered.get(userId) ?? null,
      readAt: showRead ? (read.get(userId) ?? null) : null,
    }));
  }

  private receiptCounts(chat: ChatRow, row: MessageRow, showRead: boolean): ReceiptCounts {
    const stored = parseReceipts(row);
    const others = (JSON.parse(chat.members) as Array<{ userId: string }>).filter((m) => m.userId !== this.userId);
    return {
      delivered: stored.deliveredTo.length,
      read: showRead ? stored.readBy.length : 0,
      recipients: others.length,
    };
  }

  private displayContent(
    chat: ChatRow,
    row: MessageRow,
    options: { readonly checkAuthor?: boolean } = {},
  ): DisplayMessage {
    const cached = this.bodyCache.get(row.id);
    const editVersion = row.edit === null ? 0 : (JSON.parse(row.edit) as MessageEditRecord).version;
    if (
      cached &&
      cached.status === row.status &&
      cached.createdAt === row.created_at &&
      cached.deleted === (row.deleted_at !== null) &&
      (cached.edited?.version ?? 0) === editVersion
    )
      return cached;
    if (row.deleted_at !== null) return this.tombstone(row);
    // The key of the version the message was written under; its edits are sealed under the same key.
    const key = this.keyring.keyFor(chat, row.key_version);
    let body: MessageBody | null;
    try {
      body = key ? decryptMessageBody(key, chat.id, row.id, row.ciphertext, row.key_version) : null;
    } catch {
      body = null;
    }
    // The latest edit counts only when signed by the message's author (the sender the server names on the
    // original, checked against the directory's key): a lying server or another member can't forge one.
    const authorKeys = this.senders.known(row.sender_user_id);
    const edit: EditView =
      key && body && row.edit !== null && authorKeys
        ? readEdit(
            key,
            { chatId: chat.id, messageId: row.id, senderUserId: row.sender_user_id },
            JSON.parse(row.edit) as MessageEditRecord,
            authorKeys.signingPublicKey,
          )
        : { state: 'none' };
    // The author as the signature shows it, against the key of the sender the server names. An envelope
    // that doesn't open has nothing to check: no name is shown for it.
    const author = !body
      ? { verification: 'unverified' as const, displayName: UNVERIFIED_SENDER }
      : options.checkAuthor === false
        ? { verification: 'pending' as const, displayName: UNCHECKED_SENDER }
        : this.senders.author({ chatId: row.chat_id, messageId: row.id, senderUserId: row.sender_user_id }, body);
    const message: DisplayMessage = {
      messageId: row.id,
      chatId: row.chat_id,
      senderUserId: row.sender_user_id,
      senderName: author.displayName,
      verification: author.verification,
      text: edit.state === 'verified' ? edit.text : (body?.text ?? ''),
      // The signed time (inside the AEAD): the server's clock and order can't change it.
      sentAt: body?.sentAt ?? Date.parse(row.created_at),
      createdAt: row.created_at,
      status: row.status,
      mine: row.sender_user_id === this.userId && author.verification !== 'unverified',
      decrypted: body !== null,
      replyTo: body?.replyTo ?? null,
      edited: edit.state === 'verified' ? { version: edit.version, editedAt: edit.editedAt } : null,
      editRefused: edit.state === 'refused',
      deleted: false,
      receipts: null,
      attachments: body?.attachments ?? [],
    };
    // Pending: not remembered, so the next view (once the directory answered) checks again; nor is a body
    // that didn't open (its key version may be verified later).
    if (author.verification !== 'pending' && body !== null) this.bodyCache.set(row.id, message);
    if (this.bodyCache.size > CACHE_LIMIT) this.bodyCache.delete(this.bodyCache.keys().next().value!);
    return message;
  }

  private tombstone(row: MessageRow): DisplayMessage {
    return {
      messageId: row.id,
      chatId: row.chat_id,
      senderUserId: row.sender_user_id,
      senderName: this.senders.known(row.sender_user_id)?.username ?? UNCHECKED_SENDER,
      verification: 'pending',
      text: '',
      sentAt: Date.parse(row.created_at),
      createdAt: row.created_at,
      status: row.status,
      mine: row.sender_user_id === this.userId,
      decrypted: true,
      replyTo: null,
      edited: null,
      editRefused: false,
      deleted: true,
      receipts: null,
      attachments: [],
    };
  }

  /** Decrypts a chat's recent history ahead of time (phase 1: the last opened chat is readable at once). */
  warm(chatId: string, limit = FIRST_SCREEN_MESSAGES): number {
    return this.messages(chatId, limit).length;
  }

  clear(): void {
    this.metaCache.clear();
    this.bodyCache.clear();
    this.senders.clear();
  }
}

function parseReceipts(row: MessageRow): StoredReceipts {
  return row.receipts === null ? { deliveredTo: [], readBy: [] } : (JSON.parse(row.receipts) as StoredReceipts);
}
