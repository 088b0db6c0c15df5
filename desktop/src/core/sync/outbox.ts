import { ApiError, type MessageRecord } from '../../../../common/contract';
import { encryptMessageBody, type ReplyQuote, signMessageBody } from '../../../../common/content';
import { randomId, type SigningKeyPair } from '../../../../common/crypto';
import type { ChatKeyring } from '../crypto/chat-keyring';
import type { DeviceSession } from '../session/device-session';
import type { LocalStore } from '../store/local-store';
import type { OutboxRow } from '../store/rows';
import { type Backoff, backoffDelay } from '../../../../common/retry/backoff';
import { BACKOFF_JITTER, DEFAULT_BACKOFF } from './backoff';
import {
  type CurrentKeySource,
  type KeyMove,
  KeyMoveDeferred,
  MAX_KEY_MOVES,
  moveToCurrentKey,
} from '../groups/stale-key-resend';

let localSeq = 0;

type Sendable = Pick<OutboxRow, 'message_id' | 'chat_id' | 'client_key' | 'ciphertext' | 'key_version'>;

/** What became of one attempt to hand a message to the server. */
export type SendOutcome =
  { readonly state: 'sent' } | { readonly state: 'queued' } | { readonly state: 'failed'; readonly reason: string };

/**
 * Only an answer that will be the same next time fails a message: a 4xx from the server (the chat is gone,
 * this device may not write there, the message is malformed). A network error, a lost answer, a 5xx (a
 * deploy, an overloaded proxy), 408 and 429 only mean "not now".
 */
export function isDefinitiveRefusal(error: unknown): error is ApiError {
  return (
    error instanceof ApiError &&
    error.status >= 400 &&
    error.status < 500 &&
    error.status !== 408 &&
    error.status !== 429
  );
}

/**
 * Sending: every message goes through the local outbox first (stored encrypted, shown as queued), then
 * straight to the server. When that attempt fails for a passing reason it stays queued and is tried again
 * with backoff (and hello replays it on every reconnect); the server's idempotency by (device, clientKey)
 * makes each replay land exactly once. A definitive refusal marks it failed with the server's reason until
 * the user asks for another try (`retry`).
 */
export class Outbox {
  private retryTimer: NodeJS.Timeout | null = null;
  private consecutiveFailures = 0;
  private retrying: Promise<void> | null = null;
  private closed = false;
  private readonly listeners = new Set<(chatId: string, messageIds: string[]) => void>();
  /** Where a message refused as stale finds the chat's verified current key (none: it fails). */
  private currentKey: CurrentKeySource | null = null;

  constructor(
    private readonly session: DeviceSession,
    private readonly store: LocalStore,
    private readonly keyring: ChatKeyring,
    private readonly backoff: Backoff = DEFAULT_BACKOFF,
    /** The account's signing key; null while it has none (the message then goes unsigned). */
    private readonly signingKey: () => Promise<SigningKeyPair | null> = async () => null,
  ) {}

  /** `replyTo`: the quote of the message this one answers (inside the signed body: docs/MESSAGES.md). */
  async send(
    chatId: string,
    text: string,
    replyTo?: ReplyQuote,
  ): Promise<{ messageId: string; queued: boolean; failed: string | null }> {
    const chat = this.store.getChat(chatId);
    if (!chat) throw new Error('this chat is not on this device');
    // The chat's current key version (a due rotation is made before: DesktopCore.send).
    const keyVersion = chat.key_version;
    const key = this.keyring.keyFor(chat, keyVersion);
    if (!key) throw new Error('this device has no key for this chat');
    const messageId = randomId();
    const signing = await this.signingKey();
    const sentAt = Date.now();
    const clientKey = `${sentAt}:${++localSeq}:${this.session.deviceId}`;
    // Signed inside the envelope (common/content/message-signature.ts): what recipients check the author by.
    const unsigned = { text, senderName: this.session.username, sentAt, ...(replyTo ? { replyTo } : {}) };
    const origin = { chatId, messageId, senderUserId: this.session.userId };
    const ciphertext = encryptMessageBody(
      key,
      chatId,
      messageId,
      signing ? signMessageBody(signing, origin, unsigned) : unsigned,
      keyVersion,
    );
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
        keyVersion,
      });
      this.store.enqueueOutbox({
        message_id: messageId,
        chat_id: chatId,
        client_key: clientKey,
        ciphertext,
        created_at: createdAt,
        key_version: keyVersion,
      });
    });
    const outcome = await this.deliver({
      message_id: messageId,
      chat_id: chatId,
      client_key: clientKey,
      ciphertext,
      key_version: keyVersion,
    });
    if (outcome.state === 'queued') this.scheduleRetry();
    return {
      messageId,
      queued: outcome.state === 'queued',
      failed: outcome.state === 'failed' ? outcome.reason : null,
    };
  }

  /** The user's "try again" on a failed message: it is queued again and sent now. */
  async retry(chatId: string, messageId: string): Promise<SendOutcome> {
    const row = this.store.listOutbox().find((r) => r.message_id === messageId && r.chat_id === chatId);
    if (!row) throw new Error('this message is not waiting to be sent');
    this.store.requeueOutbox(messageId);
    this.changed(chatId, [messageId]);
    const outcome = await this.deliver(row);
    if (outcome.state === 'queued') this.scheduleRetry();
    return outcome;
  }

  /** Messages waiting to be sent (failed ones wait for the user instead). */
  pending(): number {
    return this.store.listOutbox().filter((row) => row.last_error === null).length;
  }

  /** Why the server refused each failed message of a chat, by message id. */
  failures(chatId: string): Map<string, string> {
    return new Map(
      this.store
        .listOutbox()
        .flatMap((row) =>
          row.chat_id === chatId && row.last_error !== null ? [[row.message_id, row.last_error]] : [],
        ),
    );
  }

  /** Called with the messages whose send state changed (sent, failed, queued again). */
  onChange(listener: (chatId: string, messageIds: string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * A message refused as written under a replaced key version (409 `stale_version`) is sealed again under
   * the chat's current version, verified by `source`, and sent (groups/stale-key-resend.ts).
   */
  useKeyMoves(source: CurrentKeySource): void {
    this.currentKey = source;
  }

  /** Replays the outbox through hello (call before opening the stream). */
  async flush(cursor: number | null): Promise<void> {
    const items = this.store.listOutbox().filter((row) => row.last_error === null);
    if (items.length === 0) return;
    const { results } = await this.session.call('syncHello', {
      body: {
        cursor,
        outbox: items.map((row) => ({
          chatId: row.chat_id,
          messageId: row.message_id,
          clientKey: row.client_key,
          ciphertext: row.ciphertext,
          ...(row.key_version > 1 ? { keyVersion: row.key_version } : {}),
        })),
      },
    });
    let deferred = false;
    for (const result of results) {
      if (result.ok) this.confirm(result.message);
      else if (result.code === 'stale_version') {
        const row = items.find((r) => r.message_id === result.messageId);
        if (row && (await this.moveKeyAndDeliver(row, result.message, 0)).state === 'queued') deferred = true;
      } else if (!result.retryable)
        this.fail(items.find((row) => row.message_id === result.messageId)?.chat_id, result.messageId, result.message);
    }
    if (deferred) this.scheduleRetry();
  }

  /** Timers stop (the engine stopped); `open` lets them run again. Queued rows stay for the next hello. */
  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }
  open(): void {
    this.closed = false;
  }

  private async deliver(row: Sendable, keyMoves = 0): Promise<SendOutcome> {
    try {
      const stored = await this.session.call('sendMessage', {
        params: { chatId: row.chat_id },
        body: {
          messageId: row.message_id,
          clientKey: row.client_key,
          ciphertext: row.ciphertext,
          ...(row.key_version > 1 ? { keyVersion: row.key_version } : {}),
        },
      });
      this.confirm(stored);
      this.consecutiveFailures = 0;
      return { state: 'sent' };
    } catch (error) {
      if (!isDefinitiveRefusal(error)) return { state: 'queued' };
      if (error.code === 'stale_version') return this.moveKeyAndDeliver(row, error.message, keyMoves);
      this.fail(row.chat_id, row.message_id, error.message);
      return { state: 'failed', reason: error.message };
    }
  }

  /**
   * The server says the message's key version was replaced: sealed again under the chat's verified current
   * version (stored before it is sent, so a lost answer is replayed with the same client key and lands
   * once), then sent. Fails with the reason when there is no newer verified version, or after
   * MAX_KEY_MOVES moves in one attempt; stays queued when the check can't run now.
   */
  private async moveKeyAndDeliver(row: Sendable, refusal: string, keyMoves: number): Promise<SendOutcome> {
    const giveUp = (reason: string): SendOutcome => {
      this.fail(row.chat_id, row.message_id, reason);
      return { state: 'failed', reason };
    };
    if (!this.currentKey) return giveUp(refusal);
    if (keyMoves >= MAX_KEY_MOVES)
      return giveUp(`The chat's key kept changing while this message was sent (${refusal}): try again.`);
    let move: KeyMove;
    try {
      move = await moveToCurrentKey({ store: this.store, keyring: this.keyring, current: this.currentKey }, row);
    } catch (error) {
      if (error instanceof KeyMoveDeferred) return { state: 'queued' };
      return giveUp(
        `This message could not be sealed under the chat's new key (${refusal}): ${(error as Error).message}`,
      );
    }
    if (!move.ok) return giveUp(move.reason);
    this.store.moveQueuedToKey(row.message_id, move.ciphertext, move.keyVersion);
    this.changed(row.chat_id, [row.message_id]);
    return this.deliver({ ...row, ciphertext: move.ciphertext, key_version: move.keyVersion }, keyMoves + 1);
  }

  /** One timer at a time; each transient failure doubles the wait (reset by any success). */
  private scheduleRetry(): void {
    if (this.closed || this.retryTimer) return;
    this.consecutiveFailures++;
    this.retryTimer = setTimeout(
      () => {
        this.retryTimer = null;
        this.retrying ??= this.retryQueued().finally(() => (this.retrying = null));
      },
      backoffDelay(this.consecutiveFailures, this.backoff, BACKOFF_JITTER),
    );
    this.retryTimer.unref?.();
  }

  /** Oldest first; the first transient failure stops the round and schedules the next one. */
  private async retryQueued(): Promise<void> {
    for (const row of this.store.listOutbox()) {
      if (this.closed) return;
      if (row.last_error !== null) continue;
      const outcome = await this.deliver(row);
      if (outcome.state === 'queued') {
        this.scheduleRetry();
        return;
      }
    }
  }

  private fail(chatId: string | undefined, messageId: string, reason: string): void {
    this.store.failOutbox(messageId, reason);
    if (chatId) this.changed(chatId, [messageId]);
  }

  private confirm(message: MessageRecord): void {
    this.store.transaction(() => {
      this.store.putMessages([message]);
      this.store.removeOutbox(message.messageId);
    });
    this.changed(message.chatId, [message.messageId]);
  }

  private changed(chatId: string, messageIds: string[]): void {
    for (const listener of this.listeners) listener(chatId, messageIds);
  }
}
