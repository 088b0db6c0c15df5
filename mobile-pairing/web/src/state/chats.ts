import { create } from 'zustand';
import type { ApiClient, MessageRecord } from '../../../../common/contract';
import type { PhoneSession } from '../../../src/core/account';
import type { BlobTransport } from '../../../src/core/attachments/blob-transport';
import type { UploadOptions } from '../../../src/core/attachments/blob-upload';
import { type OutgoingFile, sendFile as sendFileMessage } from '../../../src/core/attachments/file-messages';
import { asChatKeys, type KeyOrKeys, keysForSending, readChatMeta, sendTextWithKeys } from '../../../src/core/chats';
import {
  type ChatKeyCache,
  type ChatListItem,
  loadChatList,
  loadMessages,
  mergeMessages,
  openChatKey,
  asTombstone,
  type ShownMessage,
  shownText,
  showMessage,
  withEdit,
  StartChatRefused,
  startChatWith,
} from '../../../src/core/conversations';
import { SenderBook } from '../../../../common/trust/message-author';
import { senderDirectoryFor } from './sender-directory';
import { useTrust } from './trust';
import { phoneContacts } from '../../../src/core/contacts';
import { parseUsernames, startChatWithMany } from '../../../src/core/groups';
import { PhoneSettings } from '../../../src/core/chat-prefs';
import { deleteForEveryone, deleteForMe, editText, quoteOf } from '../../../src/core/message-actions';
import type { ChatPref, ChatPrefs } from '../../../../common/content';
import type { SettingsRecord } from '../../../../common/contract';
import type { MessageAction } from '../live/live-events';
import { receiptsDue, sendReceipts } from '../../../src/core/receipts';
import { readPositionOf } from '../../../src/core/read-state';

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
  /** `replyTo`: the message this answers (its quote rides inside the encrypted body). */
  send(client: ApiClient, me: PhoneSession, chatId: string, text: string, replyTo?: ShownMessage): Promise<void>;
  /** A file as its own message (encrypted on the phone, uploaded, then named by the message). */
  sendFile(
    client: ApiClient,
    me: PhoneSession,
    transport: BlobTransport,
    chatId: string,
    outgoing: OutgoingFile,
    options?: UploadOptions,
  ): Promise<void>;
  /** The user's own message, re-signed and encrypted as the next version ("edited" on every device). */
  edit(client: ApiClient, me: PhoneSession, message: ShownMessage, text: string): Promise<void>;
  /** `forEveryone`: a tombstone for all members (the author only); otherwise gone from this user's devices. */
  remove(client: ApiClient, me: PhoneSession, message: ShownMessage, forEveryone: boolean): Promise<void>;
  /** An edit, delete or hide from the live stream, applied to the conversation it belongs to. */
  applyAction(client: ApiClient, me: PhoneSession, action: MessageAction): Promise<void>;
  /** Per-chat prefs (mute, archive, delete for me), synced encrypted in the user's settings. */
  readonly prefs: ChatPrefs;
  loadPrefs(client: ApiClient, me: PhoneSession): Promise<void>;
  setPref(client: ApiClient, me: PhoneSession, chatId: string, patch: Partial<ChatPref>): Promise<void>;
  /** A `settings:sync` from the live stream (another device changed them). */
  acceptSettings(record: SettingsRecord): void;
  /**
   * Receipts for the loaded messages of others (docs/MESSAGES.md): delivered always; read too when `read`
   * (the chat is open and visible, and the user sends read receipts).
   */
  acknowledge(client: ApiClient, me: PhoneSession, chatId: string, read: boolean): Promise<void>;
  /**
   * Read receipts off, the chat read here: its read marker moves to the newest loaded message from others, so
   * the user's other devices show it read too — and no other member learns it (docs/MESSAGES.md).
   */
  rememberRead(client: ApiClient, me: PhoneSession, chatId: string): Promise<void>;
  /** Delivered receipts for the newest messages of chats whose last message from others has none yet. */
  deliverListed(client: ApiClient, me: PhoneSession): Promise<void>;
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
/** The user's synced settings (per session): the chat prefs live in them. */
let settings: PhoneSettings | null = null;
const settingsFor = (client: ApiClient, me: PhoneSession): PhoneSettings =>
  (settings ??= new PhoneSettings(client, me));
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

  /** A shown message replaced by `change(record)`, shown again (decrypted and checked) — if it is loaded. */
  async function reshow(
    client: ApiClient,
    me: PhoneSession,
    chatId: string,
    messageId: string,
    change: (record: ShownMessage['record']) => ShownMessage['record'],
  ): Promise<void> {
    const shown = get().conversations[chatId]?.messages.find((m) => m.record.messageId === messageId);
    if (!shown) return;
    const record = change(shown.record);
    if (record === shown.record) return;
    const key = record.deletedAt ? null : (await keyFor(client, me, chatId)).key;
    const book = sendersFor(client, me);
    await book.load([record.senderUserId]);
    const conversation = get().conversations[chatId];
    if (!conversation) return;
    patchConversation(chatId, { messages: mergeMessages(conversation.messages, [showMessage(record, key, me, book)]) });
  }

  /**
   * The keys to write to a chat with. A verified member's keys changed: nothing goes to the chat until the
   * user acknowledged it. After a member left, the key is rotated first (docs/GROUPS.md): nothing new goes
   * under a key they hold.
   */
  async function keyForWriting(client: ApiClient, me: PhoneSession, chatId: string): Promise<KeyOrKeys> {
    const members = (
      get().list?.find((c) => c.chat.chatId === chatId)?.chat ?? (await client.call('getChat', { params: { chatId } }))
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
    const summary = await client.call('getChat', { params: { chatId } });
    const key = summary.rotationDue
      ? (await keysForSending(client, me, summary)).keys
      : await openChatKey(client, me, summary, keys);
    if (summary.rotationDue) keys.set(chatId, key);
    return key;
  }

  /** A message this phone just sent, shown in its conversation (the live stream brings it too: merged by id). */
  async function showSent(client: ApiClient, me: PhoneSession, record: MessageRecord, key: KeyOrKeys): Promise<void> {
    const book = sendersFor(client, me);
    await book.load([record.senderUserId]);
    const conversation = get().conversations[record.chatId];
    patchConversation(record.chatId, {
      messages: mergeMessages(conversation?.messages ?? [], [showMessage(record, key, me, book)]),
    });
  }

  function dropMessage(chatId: string, messageId: string): void {
    const conversation = get().conversations[chatId];
    if (!conversation) return;
    patchConversation(chatId, { messages: conversation.messages.filter((m) => m.record.messageId !== messageId) });
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
    async rememberRead(client, me, chatId) {
      const position = readPositionOf(
        (get().conversations[chatId]?.messages ?? []).map((m) => m.record),
        me,
      );
      if (!position) return;
      if (await settingsFor(client, me).advanceReadThrough(chatId, position))
        set({ prefs: settingsFor(client, me).read().chatPrefs ?? {} });
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
    async send(client, me, chatId, text, replyTo) {
      const key = await keyForWriting(client, me, chatId);
      const quoteText = replyTo ? shownText(replyTo) : null;
      const quote = replyTo && quoteText !== null ? quoteOf(replyTo.record, quoteText) : undefined;
      // Refused as stale (a member changed the chat meanwhile): sealed again under the verified current key.
      const { record, keys: sentWith } = await sendTextWithKeys(client, me, chatId, key, text, { replyTo: quote });
      if (sentWith.current !== asChatKeys(chatId, key).current) keys.set(chatId, sentWith);
      await showSent(client, me, record, sentWith);
    },
    async sendFile(client, me, transport, chatId, outgoing, options) {
      const key = await keyForWriting(client, me, chatId);
      await showSent(client, me, await sendFileMessage(client, me, transport, chatId, key, outgoing, options), key);
    },
    async edit(client, me, message, text) {
      const { chatId } = message.record;
      const { key } = await keyFor(client, me, chatId);
      const messageKey = asChatKeys(chatId, key).byVersion.get(message.record.keyVersion ?? 1);
      if (!messageKey) throw new StartChatRefused('This message’s key is not on this phone: it can’t be edited here.');
      const saved = await editText(client, me, message.record, messageKey, message.record.edit?.version ?? 0, text);
      await reshow(client, me, chatId, message.record.messageId, (r) => withEdit(r, saved));
    },
    async remove(client, me, message, forEveryone) {
      const { chatId, messageId } = message.record;
      if (forEveryone) {
        const { deletedAt } = await deleteForEveryone(client, message.record);
        await reshow(client, me, chatId, messageId, (r) => asTombstone(r, deletedAt));
      } else {
        await deleteForMe(client, message.record);
        dropMessage(chatId, messageId);
      }
      void get()
        .refreshList(client, me)
        .catch(() => undefined);
    },
    async applyAction(client, me, action) {
      if (action.type === 'hidden') dropMessage(action.chatId, action.messageId);
      else if (action.type === 'deleted')
        await reshow(client, me, action.chatId, action.messageId, (r) => asTombstone(r, action.deletedAt));
      else await reshow(client, me, action.chatId, action.messageId, (r) => withEdit(r, action.edit));
    },
    prefs: {},
    async loadPrefs(client, me) {
      const read = await settingsFor(client, me).refresh();
      set({ prefs: read.chatPrefs ?? {} });
    },
    async setPref(client, me, chatId, patch) {
      await settingsFor(client, me).setChatPref(chatId, patch);
      set({ prefs: settingsFor(client, me).read().chatPrefs ?? {} });
    },
    acceptSettings(record) {
      if (settings?.accept(record)) set({ prefs: settings.read().chatPrefs ?? {} });
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
      settings = null;
      set({ list: null, conversations: {}, prefs: {} });
    },
  };
});
