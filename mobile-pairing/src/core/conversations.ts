import {
  type ApiClient,
  ApiError,
  type ChatSummary,
  type MessageEditRecord,
  type MessageRecord,
  Username,
} from '../../../common/contract';
import { type EditView, type MessageBody, readEdit } from '../../../common/content';
import type { ChatKey } from '../../../common/crypto';
import type { ChatKeys } from '../../../common/trust/group-actions';
import { type MessageAuthor, type SenderBook, UNVERIFIED_SENDER } from '../../../common/trust/message-author';
import type { PhoneSession } from './account';
import { asChatKeys, chatKeysFor, type KeyOrKeys, readChatMeta, readMessage, startChat } from './chats';

/**
 * What the phone's chat screens show, decrypted on the phone. A chat or message that does not decrypt
 * (a buggy or hostile peer, a damaged row) is shown as unreadable instead of breaking the whole list.
 */
export interface ChatListItem {
  readonly chat: ChatSummary;
  /** null when the chat's key or metadata could not be opened. */
  readonly title: string | null;
  readonly lastMessage: ShownMessage | null;
}

export interface ShownMessage {
  readonly record: MessageRecord;
  /** null when the message does not decrypt. */
  readonly body: MessageBody | null;
  /** Written by this account, as its signature proves (a message the server attributes to me but I didn't sign is not mine). */
  readonly mine: boolean;
  /** Who wrote it, as far as signatures tell: the name to show comes from here, never from the body. */
  readonly author: MessageAuthor;
  /** The latest edit, shown only when the author signed it (docs/MESSAGES.md); otherwise the original stays. */
  readonly edit: EditView;
  /** Deleted for everyone: a tombstone, nothing of the body is left (`body` is null). */
  readonly deleted: boolean;
}

/** The text to show: the verified edit's, else the original's (null when there is none to show). */
export function shownText(message: ShownMessage): string | null {
  if (message.deleted || !message.body) return null;
  return message.edit.state === 'verified' ? message.edit.text : message.body.text;
}

/** What a chat list shows of a message: its text, or its first file's name when it has no text. */
export function previewText(message: ShownMessage): string | null {
  const text = shownText(message);
  const file = message.body?.attachments?.[0];
  return text === '' && file ? `📎 ${file.name}` : text;
}

/**
 * Chat keys already opened this session, so each is unwrapped (or re-wrapped from a sealed copy) once. An
 * entry is kept while the chat's key version is the one it was opened at (a membership change makes a new one).
 */
export type ChatKeyCache = Map<string, ChatKeys>;

export async function openChatKey(
  client: ApiClient,
  me: PhoneSession,
  chat: ChatSummary,
  keys: ChatKeyCache,
): Promise<ChatKeys> {
  const cached = keys.get(chat.chatId);
  if (cached && cached.current === (chat.keyVersion ?? 1)) return cached;
  const key = await chatKeysFor(client, me, chat);
  keys.set(chat.chatId, key);
  return key;
}

/** Call after `senders.load` of the record's sender; a sender not loaded shows as pending. */
export function showMessage(
  record: MessageRecord,
  key: KeyOrKeys | null,
  me: PhoneSession,
  senders: SenderBook,
): ShownMessage {
  if (record.deletedAt) {
    // A tombstone: nothing to open or check; who deleted it is who the server named (only the author may).
    return {
      record,
      body: null,
      mine: record.senderUserId === me.userId,
      author: { verification: 'pending', displayName: senders.known(record.senderUserId)?.username ?? '' },
      edit: { state: 'none' },
      deleted: true,
    };
  }
  let body: MessageBody | null = null;
  if (key) {
    try {
      body = readMessage(record, key);
    } catch {
      body = null;
    }
  }
  const origin = { chatId: record.chatId, messageId: record.messageId, senderUserId: record.senderUserId };
  const author: MessageAuthor = body
    ? senders.author(origin, body)
    : // Nothing to check a signature on: whoever damaged or swapped it gets no name shown for it.
      { verification: 'unverified', displayName: UNVERIFIED_SENDER };
  const mine = record.senderUserId === me.userId && author.verification !== 'unverified';
  // An edit counts only when it opens under the message's key and the author (the sender the server named
  // on the original, with the directory's signing key) signed it; otherwise the original text stays.
  const authorKeys = senders.known(record.senderUserId);
  const messageKey = key ? asChatKeys(record.chatId, key).byVersion.get(record.keyVersion ?? 1) : undefined;
  const edit: EditView =
    body && record.edit && messageKey && authorKeys !== undefined
      ? readEdit(messageKey, origin, record.edit, authorKeys?.signingPublicKey ?? null)
      : { state: 'none' };
  return { record, body, mine, author, edit, deleted: false };
}

/** Shows a page of records, the keys of their senders fetched first. */
export async function showMessages(
  records: readonly MessageRecord[],
  key: KeyOrKeys | null,
  me: PhoneSession,
  senders: SenderBook,
): Promise<ShownMessage[]> {
  await senders.load(records.map((r) => r.senderUserId));
  return records.map((r) => showMessage(r, key, me, senders));
}

/** Most recently updated first; the last message of each of the first `previews` chats is fetched too. */
export async function loadChatList(
  client: ApiClient,
  me: PhoneSession,
  keys: ChatKeyCache,
  senders: SenderBook,
  options: { previews?: number } = {},
): Promise<ChatListItem[]> {
  const { chats } = await client.call('listChats', {});
  const sorted = [...chats].sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt));
  const previews = options.previews ?? 30;
  return Promise.all(
    sorted.map(async (chat, index): Promise<ChatListItem> => {
      let key: ChatKeys | null = null;
      let title: string | null = null;
      try {
        key = await openChatKey(client, me, chat, keys);
        title = readChatMeta(chat, key).title;
      } catch {
        // Unreadable chat: listed, marked as such.
      }
      let lastMessage: ShownMessage | null = null;
      if (key && index < previews && chat.messageCount > 0) {
        const page = await client.call('listMessages', { params: { chatId: chat.chatId }, query: { limit: 1 } });
        const newest = page.messages[0];
        if (newest) lastMessage = (await showMessages([newest], key, me, senders))[0]!;
      }
      return { chat, title, lastMessage };
    }),
  );
}

export interface MessagePage {
  /** Oldest first, as a conversation is read. */
  readonly messages: ShownMessage[];
  /** Pass as `before` for the next (older) page; null when there is none. */
  readonly nextBefore: string | null;
}

export async function loadMessages(
  client: ApiClient,
  me: PhoneSession,
  chatId: string,
  key: KeyOrKeys,
  senders: SenderBook,
  options: { before?: string; limit?: number } = {},
): Promise<MessagePage> {
  const page = await client.call('listMessages', {
    params: { chatId },
    query: { limit: options.limit ?? 50, ...(options.before ? { before: options.before } : {}) },
  });
  const messages = await showMessages(page.messages, key, me, senders);
  messages.sort(byTime);
  return { messages, nextBefore: page.nextBefore };
}

/**
 * Merges pages and fresh messages by id (a message seen twice is kept once), oldest first. Of two copies
 * the one further along wins: a tombstone over a body, a newer edit over an older one — so a page fetched
 * before a live delete or edit can't bring the old text back.
 */
export function mergeMessages(current: readonly ShownMessage[], incoming: readonly ShownMessage[]): ShownMessage[] {
  const byId = new Map<string, ShownMessage>();
  for (const m of current) byId.set(m.record.messageId, m);
  for (const m of incoming) {
    const known = byId.get(m.record.messageId);
    if (!known || !isBehind(m.record, known.record)) byId.set(m.record.messageId, m);
  }
  return [...byId.values()].sort(byTime);
}

function isBehind(incoming: MessageRecord, known: MessageRecord): boolean {
  if (known.deletedAt) return !incoming.deletedAt;
  return !incoming.deletedAt && (incoming.edit?.version ?? 0) < (known.edit?.version ?? 0);
}

/** A live `message:edited` / `message:deleted` applied to a record already shown (a replay changes nothing). */
export function withEdit(record: MessageRecord, edit: MessageEditRecord): MessageRecord {
  if (record.deletedAt || (record.edit?.version ?? 0) >= edit.version) return record;
  return { ...record, edit };
}
export function asTombstone(record: MessageRecord, deletedAt: string): MessageRecord {
  return record.deletedAt ? record : { ...record, ciphertext: '', edit: null, deletedAt };
}

function byTime(a: ShownMessage, b: ShownMessage): number {
  return (
    Date.parse(a.record.createdAt) - Date.parse(b.record.createdAt) ||
    a.record.messageId.localeCompare(b.record.messageId)
  );
}

export class StartChatRefused extends Error {
  override name = 'StartChatRefused';
}

/**
 * A one-to-one chat with someone by username. The title is shared with the other member (it is in the
 * chat's encrypted metadata), so the default names both people rather than only the other one.
 */
export async function startChatWith(
  client: ApiClient,
  me: PhoneSession,
  input: { username: string; title?: string },
): Promise<{ chat: ChatSummary; chatKey: ChatKey; title: string }> {
  const username = input.username.trim().replace(/^@/, '').toLowerCase();
  if (!Username.safeParse(username).success) {
    throw new StartChatRefused('Usernames are 3–32 characters: lowercase letters, digits, "_" or ".".');
  }
  if (username === me.username)
    throw new StartChatRefused('That is you. Type the username of the person you want to write to.');
  const title = input.title?.trim() || `${me.username} & ${username}`;
  if (title.length > 200) throw new StartChatRefused('The title is too long (200 characters at most).');
  try {
    const { chat, chatKey } = await startChat(client, me, { title, memberUsernames: [username] });
    return { chat, chatKey, title };
  } catch (error) {
    // The only lookup that can miss here is the other user's.
    if (error instanceof ApiError && error.code === 'not_found')
      throw new StartChatRefused(`There is no one called "${username}" on this server.`);
    throw error;
  }
}
