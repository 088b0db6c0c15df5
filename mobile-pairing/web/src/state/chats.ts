import { create } from 'zustand';
import type { ApiClient } from '../../../../common/contract';
import type { PhoneSession } from '../../../src/core/account';
import { asChatKeys, keysForSending, readChatMeta, sendText } from '../../../src/core/chats';
import {
  type ChatKeyCache,
  type ChatListItem,
  loadChatList,
  loadMessages,
  mergeMessages,
  openChatKey,
  type ShownMessage,
  showMessage,
  StartChatRefused,
  startChatWith,
} from '../../../src/core/conversations';
import { SenderBook } from '../../../../common/trust/message-author';
import { senderDirectoryFor } from './sender-directory';
import { useTrust } from './trust';
import { phoneContacts } from '../../../src/core/contacts';
import { parseUsernames, startChatWithMany } from '../../../src/core/groups';
import { receiptsDue, sendReceipts } from '../../../src/core/receipts';

export interface Conversation {
  readonly title: string | null;
  readonly messages: readonly ShownMessage[];
  readonly nextBefore: string | null;
  readonly loading: boolean;
}

interface ChatsStore {
  readonly list: readonly ChatListItem[] | null;
  readonly conversations: Readonly<Record<string, Conversation>>;
  refreshList(client: ApiClient, me: PhoneSession): Promise<void>;
  /** Loads (or refreshes) a conversation's newest page; older pages already loaded are kept. */
  openConversation(client: ApiClient, me: PhoneSession, chatId: string): Promise<void>;
  loadEarlier(client: ApiClient, me: PhoneSession, chatId: string): Promise<void>;
  /**
   * Receipts for the loaded messages of others (docs/MESSAGES.md): delivered always; read too when `read`
   * (the chat is open and visible, and the user sends read receipts).
   */
  acknowledge(client: ApiClient, me: PhoneSession, chatId: string, read: boolean): Promise<void>;
  /** Delivered receipts for the newest messages of chats whose last message from others has none yet. */
  deliverListed(client: ApiClient, me: PhoneSession): Promise<void>;
  send(client: ApiClient, me: PhoneSession, chatId: string, text: string): Promise<void>;
  startChat(client: ApiClient, me: PhoneSession, username: string, title: string): Promise<string>;
  reset(): void;
}

/**
 * Decrypted chats live here, in memory only, for as long as the session: signing out (or being unlinked)
 * resets this store. Chat keys are cached per session so each is unwrapped once.
 */
let keys: ChatKeyCache = new Map();
/** The names and signing keys of senders, from the pinned contacts (per session). */
let senders: SenderBook | null = null;
const sendersFor = (client: ApiClient, me: PhoneSession): SenderBook =>
  (senders ??= new SenderBook(senderDirectoryFor(client, me)));
// A pin that changed (acknowledged, verified, synced from another device): senders are checked again.
useTrust.subscribe(() => senders?.clear());

export const useChats = create<ChatsStore>()((set, get) => {
  function patchConversation(chatId: string, patch: Partial<Conversation>): void {
    const current = get().conversations[chatId] ?? { title: null, messages: [], nextBefore: null, loading: false };
    set({ conversations: { ...get().conversations, [chatId]: { ...current, ...patch } } });
  }

  async function keyFor(client: ApiClient, me: PhoneSession, chatId: string) {
    const summary =
      get().list?.find((c) => c.chat.chatId === chatId)?.chat ?? (await client.call('getChat', { params: { chatId } }));
    const key = await openChatKey(client, me, summary, keys);
    return { key, title: readChatMeta(summary, key).title };
  }

  return {
    list: null,
    conversations: {},
    async refreshList(client, me) {
      set({ list: await loadChatList(client, me, keys, sendersFor(client, me)) });
    },
    async openConversation(client, me, chatId) {
      const first = !get().conversations[chatId];
      if (first) patchConversation(chatId, { loading: true });
      try {
        const { key, title } = await keyFor(client, me, chatId);
        const page = await loadMessages(client, me, chatId, key, sendersFor(client, me));
        const existing = get().conversations[chatId];
        patchConversation(chatId, {
          title,
          messages: mergeMessages(existing?.messages ?? [], page.messages),
          // Keep the cursor of older pages already loaded; the first load sets it.
          nextBefore: first || !existing ? page.nextBefore : existing.nextBefore,
        });
        // Drives the desktop's first sync phase (its last opened chat comes first). Best effort.
        if (first)
          void client.call('updateMyChatState', { params: { chatId }, body: { opened: true } }).catch(() => undefined);
      } finally {
        if (first) patchConversation(chatId, { loading: false });
      }
    },
    async loadEarlier(client, me, chatId) {
      const conversation = get().conversations[chatId];
      if (!conversation?.nextBefore) return;
      const { key } = await keyFor(client, me, chatId);
      const page = await loadMessages(client, me, chatId, key, sendersFor(client, me), {
        before: conversation.nextBefore,
      });
      patchConversation(chatId, {
        messages: mergeMessages(conversation.messages, page.messages),
        nextBefore: page.nextBefore,
      });
    },
    async acknowledge(client, me, chatId, read) {
      const records = (get().conversations[chatId]?.messages ?? []).map((m) => m.record);
      const kind = read ? 'read' : 'delivered';
      const due = receiptsDue(records, me, kind);
      if (due.length === 0) return;
      await sendReceipts(client, chatId, due, kind);
      // My receipt now, so the next refresh doesn't send it again.
      const sent = new Set(due);
      const conversation = get().conversations[chatId];
      if (!conversation) return;
      patchConversation(chatId, {
        messages: conversation.messages.map((m) =>
          sent.has(m.record.messageId) ? { ...m, record: { ...m.record, status: kind } } : m,
        ),
      });
    },
    async deliverListed(client, me) {
      const waiting = (get().list ?? []).filter(
        (item) =>
          item.lastMessage &&
          item.lastMessage.record.senderUserId !== me.userId &&
          item.lastMessage.record.status === 'sent',
      );
      for (const item of waiting) {
        const { messages } = await client.call('listMessages', {
          params: { chatId: item.chat.chatId },
          query: { limit: 50 },
        });
        await sendReceipts(client, item.chat.chatId, receiptsDue(messages, me, 'delivered'), 'delivered');
      }
      if (waiting.length === 0) return;
      const delivered = new Set(waiting.map((w) => w.chat.chatId));
      set({
        list: (get().list ?? []).map((item) =>
          delivered.has(item.chat.chatId) && item.lastMessage
            ? {
                ...item,
                lastMessage: { ...item.lastMessage, record: { ...item.lastMessage.record, status: 'delivered' } },
              }
            : item,
        ),
      });
    },
    async send(client, me, chatId, text) {
      // A verified member's keys changed: nothing goes to the chat until the user acknowledged it.
      const members = (
        get().list?.find((c) => c.chat.chatId === chatId)?.chat ??
        (await client.call('getChat', { params: { chatId } }))
      ).members;
      const trust = (await phoneContacts(client, me)).trust(
        members.map((m) => m.userId).filter((id) => id !== me.userId),
      );
      if (trust.sendingPaused) {
        const names = trust.changed.filter((c) => c.verified).map((c) => c.username);
        throw new StartChatRefused(
          `Not sent: ${names.join(', ')}’s safety number changed. Review it before sending to this chat.`,
        );
      }
      // After a member left, the key is rotated first (docs/GROUPS.md): nothing new goes under a key they hold.
      const summary = await client.call('getChat', { params: { chatId } });
      const key = summary.rotationDue
        ? (await keysForSending(client, me, summary)).keys
        : await openChatKey(client, me, summary, keys);
      if (summary.rotationDue) keys.set(chatId, key);
      const record = await sendText(client, me, chatId, key, text);
      const conversation = get().conversations[chatId];
      const book = sendersFor(client, me);
      await book.load([record.senderUserId]);
      patchConversation(chatId, {
        messages: mergeMessages(conversation?.messages ?? [], [showMessage(record, key, me, book)]),
      });
    },
    async startChat(client, me, username, title) {
      const usernames = parseUsernames(username);
      const started =
        usernames.length > 1
          ? await startChatWithMany(client, me, { usernames, title })
          : await startChatWith(client, me, { username, ...(title.trim() ? { title } : {}) });
      keys.set(started.chat.chatId, asChatKeys(started.chat.chatId, started.chatKey));
      set({ list: [{ chat: started.chat, title: started.title, lastMessage: null }, ...(get().list ?? [])] });
      return started.chat.chatId;
    },
    reset() {
      for (const entry of keys.values()) for (const key of entry.byVersion.values()) key.fill(0);
      keys = new Map();
      senders = null;
      set({ list: null, conversations: {} });
    },
  };
});
