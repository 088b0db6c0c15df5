import { ApiError, type MessageRecord } from '../../../../common/contract';
import { encryptMessageBody, signMessageBody } from '../../../../common/content';
import { randomId, type SigningKeyPair } from '../../../../common/crypto';
import type { ChatKeyring } from '../crypto/chat-keyring';
import type { DeviceSession } from '../session/device-session';
import type { LocalStore } from '../store/local-store';

let localSeq = 0;

/**
 * Sending: every message goes through the local outbox first (stored encrypted, shown as queued), then
 * straight to the server when online. If that fails for lack of a network — or the answer is lost — it
 * stays queued and hello replays it on reconnect; the server's idempotency by (device, clientKey) makes
 * the replay land exactly once.
 */
export class Outbox {
  constructor(
    private readonly session: DeviceSession,
    private readonly store: LocalStore,
    private readonly keyring: ChatKeyring,
    /** The account's signing key; null while it has none (the message then goes unsigned). */
    private readonly signingKey: () => Promise<SigningKeyPair | null> = async () => null,
  ) {}

  async send(chatId: string, text: string): Promise<{ messageId: string; queued: boolean }> {
    const chat = this.store.getChat(chatId);
    if (!chat) throw new Error('this chat is not on this device');
    const key = this.keyring.keyFor(chat);
    if (!key) throw new Error('this device has no key for this chat');
    const messageId = randomId();
    const signing = await this.signingKey();
    const sentAt = Date.now();
    const clientKey = `${sentAt}:${++localSeq}:${this.session.deviceId}`;
    // Signed inside the envelope (common/content/message-signature.ts): what recipients check the author by.
    const unsigned = { text, senderName: this.session.username, sentAt };
    const origin = { chatId, messageId, senderUserId: this.session.userId };
    const ciphertext = encryptMessageBody(key, chatId, messageId, signing ? signMessageBody(signing, origin, unsigned) : unsigned);
    const createdAt = new Date(sentAt).toISOString();
    this.store.transaction(() => {
      this.store.putQueuedMessage({
        messageId,
        chatId,
        senderUserId: this.session.userId,
        senderDeviceId: this.session.deviceId,
        clientKey,
        ciphertext,
        createdAt,
      });
      this.store.enqueueOutbox({ message_id: messageId, chat_id: chatId, client_key: clientKey, ciphertext, created_at: createdAt });
    });
    try {
      const stored = await this.session.call('sendMessage', { params: { chatId }, body: { messageId, clientKey, ciphertext } });
      this.confirm(stored);
      return { messageId, queued: false };
    } catch (error) {
      if (error instanceof ApiError && error.status === 0) return { messageId, queued: true };
      if (error instanceof ApiError) this.store.failOutbox(messageId, error.message);
      throw error;
    }
  }

  pending(): number {
    return this.store.listOutbox().filter((row) => row.last_error === null).length;
  }

  /** Replays the outbox through hello (call before opening the stream). */
  async flush(cursor: number | null): Promise<void> {
    const items = this.store.listOutbox().filter((row) => row.last_error === null);
    if (items.length === 0) return;
    const { results } = await this.session.call('syncHello', {
      body: {
        cursor,
        outbox: items.map((row) => ({ chatId: row.chat_id, messageId: row.message_id, clientKey: row.client_key, ciphertext: row.ciphertext })),
      },
    });
    for (const result of results) {
      if (result.ok) this.confirm(result.message);
      else this.store.failOutbox(result.messageId, result.message);
    }
  }

  private confirm(message: MessageRecord): void {
    this.store.transaction(() => {
      this.store.putMessages([message]);
      this.store.removeOutbox(message.messageId);
    });
  }
}
