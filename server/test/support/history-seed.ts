import { randomId } from '../../../common/crypto';
import type { PhoneSession } from '../../../mobile-pairing/src/core/account';
import { startChat } from '../../../mobile-pairing/src/core/chats';
import type { ApiClient } from '../../../common/contract';
import type { TestServer } from './test-server';

type SeedPhone = { session: PhoneSession; api: ApiClient };

/** The smallest filler that still has the shape of a v1 envelope (the stream's contract checks the shape). */
export const MIN_FILLER_BYTES = 3 + 32 + 1 + 22;

/**
 * Filler of exactly `bytes` characters shaped like a v1 envelope. Not a real one: the server streams
 * stored rows as they are, and these tests read the stream, not the messages.
 */
function filler(bytes: number): string {
  if (bytes < MIN_FILLER_BYTES) throw new Error(`a seeded message has at least ${MIN_FILLER_BYTES} bytes`);
  return `v1.${'A'.repeat(32)}.${'x'.repeat(bytes - 36)}`;
}

/**
 * One chat made through the API, with `messages` messages of `bytes` bytes each written straight into the
 * database (one a millisecond, a day ago) and the chat's totals set to match. `updatedAt`, when given,
 * places the chat in the "most recently updated" order the sync plan follows. Returns the chat's message
 * ids newest first, the order its history streams in.
 */
export async function seedChat(
  server: TestServer,
  phone: SeedPhone,
  options: { title: string; messages: number; bytes: number; updatedAt?: Date },
): Promise<{ chatId: string; newestFirst: string[] }> {
  const { db } = server.server.deps;
  const { chat } = await startChat(phone.api, phone.session, { title: options.title, memberUsernames: [] });
  const base = Date.now() - 86_400_000;
  const ids = Array.from({ length: options.messages }, () => randomId());
  const ciphertext = filler(options.bytes);
  await db.message.createMany({
    data: ids.map((id, i) => ({
      id,
      chatId: chat.chatId,
      senderUserId: phone.session.userId,
      senderDeviceId: phone.session.deviceId,
      clientKey: `seed:${chat.chatId}:${i}`,
      ciphertext,
      size: options.bytes,
      createdAt: new Date(base + i),
    })),
  });
  await db.chat.update({
    where: { id: chat.chatId },
    data: {
      messageCount: options.messages,
      messageBytes: options.messages * options.bytes,
      ...(options.updatedAt ? { updatedAt: options.updatedAt } : {}),
    },
  });
  return { chatId: chat.chatId, newestFirst: ids.reverse() };
}

/** A large history for stream tests: `chats` chats of `perChat` messages of `bytes` bytes each. */
export async function seedHistory(
  server: TestServer,
  phone: SeedPhone,
  options: { chats: number; perChat: number; bytes: number },
): Promise<{ totalBytes: number }> {
  for (let c = 0; c < options.chats; c++)
    await seedChat(server, phone, { title: `History ${c}`, messages: options.perChat, bytes: options.bytes });
  return { totalBytes: options.chats * options.perChat * options.bytes };
}
