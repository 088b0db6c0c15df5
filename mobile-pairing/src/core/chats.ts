import { ApiError, type ApiClient, type ChatSummary, type MessageRecord } from '../../../common/contract';
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
  // One attempt: a stale version is the server's refusal as it is (the app's send path moves instead).
  return (await sendTextWithKeys(client, me, chatId, key, text, { senderName, replyTo, maxKeyMoves: 0 })).record;
}

/** How many times one send may move to a newer key version (the desktop's MAX_KEY_MOVES, same reason). */
export const MAX_KEY_MOVES = 3;

/**
 * Sends, and returns the keys the message went out under. When the server refuses the message as written
 * under a replaced key version (409 `stale_version`: a member changed the chat since these keys were
 * read), it is sealed again — same message id and client key, so a lost answer never makes a duplicate —
 * under the chat's current version as `keysForSending` verifies it (signed statements against the pinned
 * keys; a due rotation made first), exactly as the desktop's outbox does (docs/GROUPS.md). Never a version
 * older than or equal to the one refused (a server claiming "stale" without a newer signed version is not
 * believed), at most MAX_KEY_MOVES times; then the refusal is thrown as `KeyMoveRefused`.
 */
export async function sendTextWithKeys(
  client: ApiClient,
  me: PhoneSession,
  chatId: string,
  key: KeyOrKeys,
  text: string,
  options: {
    readonly senderName?: string;
    /** A reply's quote (docs/MESSAGES.md "Reply"): inside the body, covered by the signature. */
    readonly replyTo?: ReplyQuote | undefined;
    /** 0: a stale version is thrown as the server's ApiError, nothing is moved. */
    readonly maxKeyMoves?: number;
  } = {},
): Promise<{ record: MessageRecord; keys: ChatKeys }> {
  const { senderName = me.username, replyTo, maxKeyMoves = MAX_KEY_MOVES } = options;
  let keys = asChatKeys(chatId, key);
  const messageId = randomId();
  const sentAt = Date.now();
  // Seed format: timestamp:localSeq:device.
  const clientKey = `${sentAt}:${++localSeq}:${me.deviceId}`;
  // Signed inside the envelope by the account's signing key (absent only in a session from before signing
  // that has not fetched its key yet: the message then goes unsigned and recipients show it unverified).
  // The signature covers chat, message id and author, not the key version: a move keeps it valid.
  const unsigned: MessageBody = { text, senderName, sentAt, ...(replyTo ? { replyTo } : {}) };
  const body = me.signing
    ? signMessageBody(me.signing, { chatId, messageId, senderUserId: me.userId }, unsigned)
    : unsigned;
  for (let moves = 0; ; moves++) {
    try {
      const record = await client.call('sendMessage', {
        params: { chatId },
        body: {
          messageId,
          clientKey,
          ciphertext: encryptMessageBody(currentKey(keys), chatId, messageId, body, keys.current),
          ...(keys.current > 1 ? { keyVersion: keys.current } : {}),
        },
      });
      return { record, keys };
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 'stale_version' || maxKeyMoves === 0) throw error;
      if (moves >= maxKeyMoves)
        throw new KeyMoveRefused(
          `The chat’s key kept changing while this message was sent (${error.message}): try again.`,
        );
      const fresh = (await keysForSending(client, me, await client.call('getChat', { params: { chatId } }))).keys;
      if (fresh.current <= keys.current || !fresh.byVersion.has(fresh.current))
        throw new KeyMoveRefused(
          `The server says this chat’s key changed, but the newest version its members signed is ${fresh.current}, ` +
            `and this message is already under version ${keys.current}: not sent.`,
        );
      keys = fresh;
    }
  }
}

/** A send the server refused as stale that could not move to a newer verified key version. */
export class KeyMoveRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyMoveRefused';
  }
}

/** Opens a message with the key of the version it was written under (a version not held: an error). */
export function readMessage(message: MessageRecord, key: KeyOrKeys): MessageBody {
  return readMessageWith(asChatKeys(message.chatId, key), message);
}
