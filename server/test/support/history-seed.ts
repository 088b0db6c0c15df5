import { randomId } from '../../../common/crypto';
import type { PhoneSession } from '../../../mobile-pairing/src/core/account';
import { startChat } from '../../../mobile-pairing/src/core/chats';
import type { ApiClient } from '../../../common/contract';
import type { TestServer } from './test-server';

/**
 * A large history for stream tests, written straight into the database: `chats` chats (made through the
 * API) of `perChat` messages of `bytes` bytes each. The bodies are filler, not envelopes: the server
 * streams stored rows as they are, and these tests read the stream, not the messages.
 */
export async function seedHistory(
  server: TestServer,
  phone: { session: PhoneSession; api: ApiClient },
  options: { chats: number; perChat: number; bytes: number },
): Promise<{ totalBytes: number }> {
  const { db } = server.server.deps;
  const body = 'x'.repeat(options.bytes);
  for (let c = 0; c < options.chats; c++) {
    const { chat } = await startChat(phone.api, phone.session, { title: `History ${c}`, memberUsernames: [] });
    const base = Date.now() - 86_400_000;
    await db.message.createMany({
      data: Array.from({ length: options.perChat }, (_, i) => ({
        id: randomId(),
        chatId: chat.chatId,
        senderUserId: phone.session.userId,
        senderDeviceId: phone.session.deviceId,
        clientKey: `seed:${c}:${i}`,
        ciphertext: body,
        size: options.bytes,
        createdAt: new Date(base + i),
      })),
    });
    await db.chat.update({
      where: { id: chat.chatId },
      data: { messageCount: options.perChat, messageBytes: options.perChat * options.bytes },
    });
  }
  return { totalBytes: options.chats * options.perChat * options.bytes };
}
