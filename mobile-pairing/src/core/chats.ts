import type { ApiClient, ChatSummary, MessageRecord } from '../../../common/contract';
import {
  decryptChatMeta,
  encryptChatMeta,
  encryptMessageBody,
  type ChatMeta,
  type MessageBody,
  type ReplyQuote,
  signMessageBody,
} from '../../../common/content';
import {
  type ChatKey,
  chatKeyFromBytes,
  generateChatKey,
  openSealedBytes,
  randomId,
  sealBytes,
  unwrapChatKey,
  wrapChatKey,
} from '../../../common/crypto';
import {
  changeMembership,
  type ChatKeys,
  currentKey,
  newChatRequest,
  openChat,
  readMessageWith,
} from '../../../common/trust/group-actions';
import type { PhoneSession } from './account';
import { phoneContacts } from './contacts';

/** A chat's one key (a chat that never changed members: version 1), or its keys by version. */
export type KeyOrKeys = ChatKey | ChatKeys;

export function asChatKeys(chatId: string, key: KeyOrKeys): ChatKeys {
  return key instanceof Uint8Array ? { chatId, current: 1, byVersion: new Map([[1, key]]) } : key;
}

/**
 * Start a chat: a fresh chat key, wrapped under my master key for me and sealed to each other member's
 * identity public key (they re-wrap it under their own master key on first open). The keys sealed to are
 * the pinned ones (common/trust/contacts.ts): a member met for the first time is pinned now; one whose keys
 * the server now presents differently gets nothing until the user acknowledges the change
 * (KeyChangeUnacknowledgedError) — a substituted key never receives a chat key.
 */
export async function startChat(
  client: ApiClient,
  me: PhoneSession,
  input: { title: string; memberUsernames: readonly string[] },
): Promise<{ chat: ChatSummary; chatKey: ChatKey }> {
  const chatId = randomId();
  const contacts = await phoneContacts(client, me);
  const memberIds = [];
  for (const username of input.memberUsernames) memberIds.push(await contacts.lookup(username));
  if (me.signing) {
    // Founded by a signed statement (docs/GROUPS.md): membership changes can be proven from here on.
    const { chatKey, body } = await newChatRequest(me, contacts, { chatId, title: input.title, memberIds });
    return { chat: await client.call('createChat', { body }), chatKey };
  }
  // A session from before signing keys: an unsigned chat, as before.
  const chatKey = generateChatKey();
  const keys = await contacts.sealingKeys(memberIds);
  const members = memberIds.map((userId) => ({ userId, sealedChatKey: sealBytes(chatKey, keys.get(userId)!) }));
  const chat = await client.call('createChat', {
    body: {
      chatId,
      encryptedMeta: encryptChatMeta(chatKey, chatId, { title: input.title }),
      members,
      myWrappedChatKey: wrapChatKey(chatKey, me.masterKey, chatId, me.userId),
    },
  });
  return { chat, chatKey };
}

/** My chat key for a chat: unwrap my copy, or open the sealed copy someone gave me and store it wrapped. */
export async function chatKeyFor(client: ApiClient, me: PhoneSession, chat: ChatSummary): Promise<ChatKey> {
  const version = chat.keyVersion ?? 1;
  if (chat.wrappedChatKey) return unwrapChatKey(chat.wrappedChatKey, me.masterKey, chat.chatId, me.userId, version);
  if (!chat.sealedChatKey) throw new Error(`no key for chat ${chat.chatId}`);
  const chatKey = chatKeyFromBytes(openSealedBytes(chat.sealedChatKey, me.identity));
  await client.call('storeMyChatKey', {
    params: { chatId: chat.chatId },
    body: {
      wrappedChatKey: wrapChatKey(chatKey, me.masterKey, chat.chatId, me.userId, version),
      ...(version > 1 ? { keyVersion: version } : {}),
    },
  });
  return chatKey;
}

/**
 * The keys to write with: after a member left (`rotationDue`) this first makes the next key version,
 * sealed to the members that remain (docs/GROUPS.md), so nothing new is ever written under a key the
 * leaver holds.
 */
export async function keysForSending(
  client: ApiClient,
  me: PhoneSession,
  chat: ChatSummary,
): Promise<{ chat: ChatSummary; keys: ChatKeys }> {
  if (!chat.rotationDue) return { chat, keys: await chatKeysFor(client, me, chat) };
  const contacts = await phoneContacts(client, me);
  return changeMembership((name, input) => client.call(name, input), me, contacts, chat, { action: 'rotate' });
}

/**
 * Every key version of a chat this account holds, checked against the chat's signed membership statements
 * (common/trust/group-actions.ts): a key the server substituted, or a membership it forged, is refused.
 */
export async function chatKeysFor(client: ApiClient, me: PhoneSession, chat: ChatSummary): Promise<ChatKeys> {
  const contacts = await phoneContacts(client, me);
  return (await openChat((name, input) => client.call(name, input), me, contacts, chat)).keys;
}

export function readChatMeta(chat: ChatSummary, key: KeyOrKeys): ChatMeta {
  const keys = asChatKeys(chat.chatId, key);
  return decryptChatMeta(currentKey(keys), chat.chatId, chat.encryptedMeta, keys.current);
}

let localSeq = 0;

export async function sendText(
  client: ApiClient,
  me: PhoneSession,
  chatId: string,
  key: KeyOrKeys,
  text: string,
  senderName: string = me.username,
  /** A reply's quote (docs/MESSAGES.md "Reply"): inside the body, covered by the signature. */
  replyTo?: ReplyQuote,
): Promise<MessageRecord> {
  const keys = asChatKeys(chatId, key);
  const messageId = randomId();
  const sentAt = Date.now();
  // Signed inside the envelope by the account's signing key (absent only in a session from before signing
  // that has not fetched its key yet: the message then goes unsigned and recipients show it unverified).
  const unsigned: MessageBody = { text, senderName, sentAt, ...(replyTo ? { replyTo } : {}) };
  const body = me.signing
    ? signMessageBody(me.signing, { chatId, messageId, senderUserId: me.userId }, unsigned)
    : unsigned;
  return client.call('sendMessage', {
    params: { chatId },
    body: {
      messageId,
      // Seed format: timestamp:localSeq:device.
      clientKey: `${sentAt}:${++localSeq}:${me.deviceId}`,
      ciphertext: encryptMessageBody(currentKey(keys), chatId, messageId, body, keys.current),
      ...(keys.current > 1 ? { keyVersion: keys.current } : {}),
    },
  });
}

/** Opens a message with the key of the version it was written under (a version not held: an error). */
export function readMessage(message: MessageRecord, key: KeyOrKeys): MessageBody {
  return readMessageWith(asChatKeys(message.chatId, key), message);
}
