import type { ChatSummary, MessageRecord } from '../../../common/contract';
import { encryptChatMeta, encryptMessageBody } from '../../../common/content';
import {
  type ChatKey,
  generateChatKey,
  generateMasterKey,
  type MasterKey,
  randomId,
  wrapChatKey,
} from '../../../common/crypto';
import { type ChatKeyCopies, ChatKeyring } from '../../src/core/crypto/chat-keyring';

/**
 * Real keys and real envelopes for the sync unit tests (imported by *.test.ts only): a user with a master
 * key and a keyring, chats whose key is wrapped under it (or under someone else's), messages encrypted
 * in their own row.
 */
export interface TestAccount {
  readonly userId: string;
  readonly deviceId: string;
  readonly masterKey: MasterKey;
  readonly keyring: ChatKeyring;
}

/** `copies`: where the keyring finds the stored key copies (the test's store, read when a key is asked for). */
export function testAccount(copies: ChatKeyCopies): TestAccount {
  const userId = randomId();
  const masterKey = generateMasterKey();
  return { userId, deviceId: randomId(), masterKey, keyring: new ChatKeyring(masterKey, userId, () => null, copies) };
}

export interface TestChat {
  readonly summary: ChatSummary;
  readonly key: ChatKey;
}

/** A chat of `owner`; `unreadable` wraps its key under a master key the owner's device doesn't have. */
export function testChat(
  owner: TestAccount,
  options: { title?: string; unreadable?: boolean; updatedAt?: string } = {},
): TestChat {
  const chatId = randomId();
  const key = generateChatKey();
  const wrapUnder = options.unreadable ? generateMasterKey() : owner.masterKey;
  const at = options.updatedAt ?? new Date().toISOString();
  return {
    key,
    summary: {
      chatId,
      createdByUserId: owner.userId,
      encryptedMeta: encryptChatMeta(key, chatId, { title: options.title ?? 'A chat' }),
      metaVersion: 1,
      createdAt: at,
      updatedAt: at,
      members: [{ userId: owner.userId, role: 'owner' }],
      wrappedChatKey: wrapChatKey(key, wrapUnder, chatId, owner.userId),
      sealedChatKey: null,
      lastOpenedAt: null,
      pinned: false,
      messageCount: 0,
    },
  };
}

let clock = Date.parse('2026-01-01T00:00:00.000Z');

export function testMessage(
  owner: TestAccount,
  chat: TestChat,
  text: string,
  overrides: Partial<MessageRecord> = {},
): MessageRecord {
  const messageId = overrides.messageId ?? randomId();
  const sentAt = (clock += 1000);
  return {
    messageId,
    chatId: chat.summary.chatId,
    senderUserId: owner.userId,
    senderDeviceId: owner.deviceId,
    clientKey: `${sentAt}:1:${owner.deviceId}`,
    ciphertext: encryptMessageBody(chat.key, chat.summary.chatId, messageId, { text, senderName: 'Tester', sentAt }),
    status: 'sent',
    createdAt: new Date(sentAt).toISOString(),
    ...overrides,
  };
}

/** Flips one character in the middle of an envelope's ciphertext part (still valid base64url). */
export function tamper(envelope: string): string {
  const i = envelope.length - 10;
  return envelope.slice(0, i) + (envelope[i] === 'A' ? 'B' : 'A') + envelope.slice(i + 1);
}
