import {
  encryptChatMeta,
  encryptMessageBody,
  type MessageBody,
  signMessageBody,
  type UnsignedMessageBody,
} from '../../common/content';
import { type ChatKey, generateChatKey, randomId, sealBytes, wrapChatKey } from '../../common/crypto';
import type { PhoneSession } from '../../mobile-pairing/src/core/account';
import type { AuthContext } from '../../server/src/http/authenticate';
import { createChat, updateMyChatState } from '../../server/src/modules/chats/chats.use-cases';
import { sendMessage } from '../../server/src/modules/messages/messages.use-cases';
import type { TestServer } from '../../server/test/support/test-server';

export interface SeededChat {
  readonly chatId: string;
  readonly key: ChatKey;
  readonly title: string;
}

function authOf(session: PhoneSession): AuthContext {
  return { userId: session.userId, deviceId: session.deviceId, deviceKind: 'phone', sessionId: 'seed' };
}

/**
 * Seeds an account through the server's own use-cases (in process: the same validation, change log and
 * ordering as the HTTP API, without a round trip per message), with real keys and real envelopes.
 * Chats are created oldest first, so the last one is the most recently updated.
 */
export async function seedChats(
  server: TestServer,
  owner: PhoneSession,
  options: {
    chats: number;
    messagesPerChat: (index: number) => number;
    friend?: PhoneSession;
    textOf?: (chat: number, i: number) => string;
  },
): Promise<SeededChat[]> {
  const deps = server.server.deps;
  const chats: SeededChat[] = [];
  for (let c = 0; c < options.chats; c++) {
    const chatId = randomId();
    const key = generateChatKey();
    const title = `Chat ${c}`;
    await createChat(deps, authOf(owner), {
      chatId,
      encryptedMeta: encryptChatMeta(key, chatId, { title }),
      members: options.friend
        ? [{ userId: options.friend.userId, sealedChatKey: sealBytes(key, options.friend.identity.publicKey) }]
        : [],
      myWrappedChatKey: wrapChatKey(key, owner.masterKey, chatId, owner.userId),
    });
    const count = options.messagesPerChat(c);
    for (let i = 0; i < count; i++) {
      const from = options.friend && i % 2 === 1 ? options.friend : owner;
      const messageId = randomId();
      const text = options.textOf?.(c, i) ?? `message ${i} of chat ${c}`;
      await sendMessage(deps, authOf(from), chatId, {
        messageId,
        clientKey: `seed:${c}:${i}`,
        // Signed by its author, as the apps sign (an unsigned message from an account with a key shows unverified).
        ciphertext: encryptMessageBody(
          key,
          chatId,
          messageId,
          signedBody(from, chatId, messageId, {
            text,
            senderName: from === owner ? 'Owner' : 'Friend',
            sentAt: Date.now(),
          }),
        ),
      });
    }
    chats.push({ chatId, key, title });
  }
  return chats;
}

export async function markOpened(server: TestServer, owner: PhoneSession, chatId: string): Promise<void> {
  await updateMyChatState(server.server.deps, authOf(owner), chatId, { opened: true });
}

function signedBody(from: PhoneSession, chatId: string, messageId: string, body: UnsignedMessageBody): MessageBody {
  return from.signing ? signMessageBody(from.signing, { chatId, messageId, senderUserId: from.userId }, body) : body;
}

/** One more signed message from `from` into a seeded chat (through the server's use-case); returns its id. */
export async function sendSeeded(
  server: TestServer,
  from: PhoneSession,
  chat: SeededChat,
  text: string,
): Promise<string> {
  const messageId = randomId();
  await sendMessage(server.server.deps, authOf(from), chat.chatId, {
    messageId,
    clientKey: `seed:${messageId}`,
    ciphertext: encryptMessageBody(
      chat.key,
      chat.chatId,
      messageId,
      signedBody(from, chat.chatId, messageId, { text, senderName: 'Owner', sentAt: Date.now() }),
    ),
  });
  return messageId;
}
