import fs from 'node:fs';
import path from 'node:path';
import { attachmentUrl, type MessageRecord } from '../../../../common/contract';
import {
  type AttachmentRef,
  decryptMessageBody,
  encryptMessageBody,
  signMessageBody,
} from '../../../../common/content';
import type { AttachmentContext, SigningKeyPair } from '../../../../common/crypto';
import { type Backoff, backoffDelay } from '../../../../common/retry/backoff';
import type { ChatKeyring } from '../crypto/chat-keyring';
import type { DeviceSession } from '../session/device-session';
import type { FileOutboxRow, PendingBlob } from '../store/file-outbox-table';
import type { LocalStore } from '../store/local-store';
import { BACKOFF_JITTER, DEFAULT_BACKOFF } from '../sync/backoff';
import { isDefinitiveRefusal, type SendOutcome } from '../sync/outbox';
import {
  AttachmentTransferError,
  type TransferOptions,
  type TransferProgress,
  terminateUpload,
  uploadBlob,
} from './blob-transfer';
import { AttachmentSendError, type SealedOutgoing } from './outgoing-files';

/** Retries inside one attempt (a dropped connection mid-upload); beyond them the outbox's backoff takes over. */
const ATTEMPT_RETRY_DELAYS = [0, 500];

export interface FileOutboxDeps {
  readonly dir: string;
  readonly session: DeviceSession;
  readonly store: LocalStore;
  readonly keyring: ChatKeyring;
  readonly signingKey: () => Promise<SigningKeyPair | null>;
  /** Before a file message is written: a key rotation a member's leave made due (docs/GROUPS.md). */
  readonly beforeWrite?: ((chatId: string) => Promise<void>) | undefined;
  /** Runs a transfer with the current access token (refreshed once on a 401). */
  readonly withToken: <T>(run: (transfer: TransferOptions) => Promise<T>) => Promise<T>;
  readonly onProgress: (context: AttachmentContext, progress: TransferProgress) => void;
  /** The message landed: its sealed blobs move into the cache (the sender never downloads its own file). */
  readonly onSent: (contexts: readonly AttachmentContext[], blobPaths: readonly string[]) => Promise<void>;
  /** The message left the outbox (its blobs no longer count as waiting): media fits the budget again. */
  readonly afterSent?: () => Promise<void>;
  readonly backoff?: Backoff | undefined;
}

let localSeq = 0;

/** The sealed blob of a waiting send, beside the cache; never plaintext. */
export function outgoingBlobPath(dir: string, attachmentId: string): string {
  return path.join(dir, `${attachmentId}.outgoing`);
}

/**
 * File messages waiting to be sent (docs/ATTACHMENTS.md "Sending offline and across restarts"): apart from
 * the text outbox (core/sync/outbox.ts), whose hello replays bodies without their blobs. Queueing writes the
 * signed body (encrypted under the chat key), the blob ids and the sealed blobs (ciphertext) in one step, so
 * the message shows at once as queued with its thumbnails. Delivery uploads each blob with tus — resuming
 * at the server's offset (HEAD) with the upload URL kept in the store, also after a restart — then sends the
 * message naming them under the same client key, so a replay after a lost answer lands once. A passing
 * failure waits for the backoff, a reconnect (`kick`) or the next start; a definitive refusal waits for the
 * user (retry or cancel). Cancel drops the row, the queued message, the sealed blobs and the uploads.
 */
export class FileOutbox {
  private readonly inFlight = new Map<string, Promise<SendOutcome>>();
  private readonly aborts = new Map<string, AbortController>();
  /** Messages being cancelled: no attempt starts on them any more. */
  private readonly cancelling = new Set<string>();
  private readonly listeners = new Set<(chatId: string, messageIds: string[]) => void>();
  private retryTimer: NodeJS.Timeout | null = null;
  private consecutiveFailures = 0;
  private closed = false;

  constructor(private readonly deps: FileOutboxDeps) {
    this.sweep();
  }

  /** Sealed blobs no waiting message names (a run that ended between sealing and queueing): gone. */
  private sweep(): void {
    const named = new Set(this.deps.store.fileOutbox.list().flatMap((row) => row.files.map((f) => f.id)));
    for (const name of fs.readdirSync(this.deps.dir)) {
      const id = name.endsWith('.outgoing') ? name.slice(0, -'.outgoing'.length) : null;
      if (id !== null && !named.has(id)) fs.rmSync(path.join(this.deps.dir, name), { force: true });
    }
  }

  onChange(listener: (chatId: string, messageIds: string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Writes the message (signed, encrypted under the chat's current key version) and moves its sealed blobs
   * to `<id>.outgoing`, then stores the row and the queued message in one transaction. From here the send
   * survives being offline and restarts.
   */
  async queue(
    chatId: string,
    messageId: string,
    text: string,
    files: readonly SealedOutgoing[],
    refs: AttachmentRef[],
  ): Promise<void> {
    const { session, store, keyring } = this.deps;
    // A due rotation is made first when the server can be reached; offline, the body is re-encrypted before it goes.
    await this.deps.beforeWrite?.(chatId).catch(() => undefined);
    const chat = store.getChat(chatId);
    const keyVersion = chat?.key_version ?? 1;
    const chatKey = chat ? keyring.keyFor(chat, keyVersion) : null;
    if (!chatKey) throw new AttachmentSendError('not_found', 'This chat is no longer on this desktop.');
    const signing = await this.deps.signingKey();
    const sentAt = Date.now();
    const unsigned = { text, senderName: session.username, sentAt, attachments: refs };
    const origin = { chatId, messageId, senderUserId: session.userId };
    const ciphertext = encryptMessageBody(
      chatKey,
      chatId,
      messageId,
      signing ? signMessageBody(signing, origin, unsigned) : unsigned,
      keyVersion,
    );
    for (const file of files) fs.renameSync(file.blobPath, outgoingBlobPath(this.deps.dir, file.context.attachmentId));
    const createdAt = new Date(sentAt).toISOString();
    const clientKey = `${sentAt}:${++localSeq}:att:${session.deviceId}`;
    store.transaction(() => {
      store.fileOutbox.put({
        messageId,
        chatId,
        clientKey,
        ciphertext,
        keyVersion,
        createdAt,
        files: files.map((f) => ({
          id: f.context.attachmentId,
          blobBytes: f.blobBytes,
          uploadUrl: null,
          uploaded: false,
        })),
      });
      store.putQueuedMessage({
        messageId,
        chatId,
        senderUserId: session.userId,
        senderDeviceId: session.deviceId,
        clientKey,
        ciphertext,
        createdAt,
        keyVersion,
      });
    });
    this.changed(chatId, [messageId]);
  }

  /** One attempt at this message now (the same promise while one runs). */
  deliver(messageId: string): Promise<SendOutcome> {
    const running = this.inFlight.get(messageId);
    if (running) return running;
    const attempt = this.attempt(messageId).finally(() => {
      this.inFlight.delete(messageId);
      this.aborts.delete(messageId);
    });
    this.inFlight.set(messageId, attempt);
    return attempt;
  }

  /** Tries every waiting message now, oldest first (after a reconnect, and when the app starts). One round at a time. */
  kick(): void {
    if (this.closed || this.rounding) return;
    this.rounding = this.round()
      .catch(() => this.scheduleRetry()) // the store closed under it, or a bug: try again later
      .finally(() => (this.rounding = null));
  }
  private rounding: Promise<void> | null = null;

  /** The first passing failure ends the round and schedules the next one (the network is likely down). */
  private async round(): Promise<void> {
    for (const row of this.deps.store.fileOutbox.list()) {
      if (this.closed) return;
      if (row.lastError !== null) continue;
      const outcome = await this.deliver(row.messageId);
      if (outcome.state === 'queued') {
        this.scheduleRetry();
        return;
      }
    }
    this.consecutiveFailures = 0;
  }

  /** The user's "try again" on a refused file message. */
  async retry(messageId: string): Promise<SendOutcome> {
    const row = this.deps.store.fileOutbox.get(messageId);
    if (!row) throw new AttachmentSendError('not_found', 'This message is not waiting to be sent.');
    this.deps.store.fileOutbox.setError(messageId, null);
    this.changed(row.chatId, [messageId]);
    const outcome = await this.deliver(messageId);
    if (outcome.state === 'queued') this.scheduleRetry();
    return outcome;
  }

  /**
   * The user gave up on this message: the row and the queued message go, the sealed blobs are deleted and
   * the uploads terminated on the server (best effort: offline, its collector removes them after its TTL).
   * Returns false when the message was not waiting (sent meanwhile, or not a file message).
   */
  async cancel(messageId: string): Promise<boolean> {
    const row = this.deps.store.fileOutbox.get(messageId);
    if (!row || this.cancelling.has(messageId)) return false;
    this.cancelling.add(messageId);
    let current: FileOutboxRow | null;
    try {
      this.aborts.get(messageId)?.abort();
      await this.inFlight.get(messageId)?.catch(() => undefined);
      current = this.deps.store.fileOutbox.get(messageId);
      if (!current) return false; // it landed while the upload was being stopped
      const { chatId } = current;
      this.deps.store.transaction(() => {
        this.deps.store.fileOutbox.remove(messageId);
        this.deps.store.removeMessage(chatId, messageId);
      });
    } finally {
      this.cancelling.delete(messageId);
    }
    for (const file of current.files) fs.rmSync(outgoingBlobPath(this.deps.dir, file.id), { force: true });
    const urls = current.files.flatMap((f) => (f.uploadUrl ? [f.uploadUrl] : []));
    if (urls.length > 0)
      await this.deps
        .withToken(async (transfer) => {
          for (const url of urls) await terminateUpload(transfer, url);
        })
        .catch(() => undefined);
    this.changed(current.chatId, [messageId]);
    return true;
  }

  /** The sealed blob of a waiting attachment (to show or save it before it is sent), or null. */
  blobPath(attachmentId: string): string | null {
    const blob = outgoingBlobPath(this.deps.dir, attachmentId);
    for (const row of this.deps.store.fileOutbox.list())
      if (row.files.some((f) => f.id === attachmentId)) return fs.existsSync(blob) ? blob : null;
    return null;
  }

  /** Bytes of the sealed blobs waiting to be sent: counted as media, never evicted. */
  pendingBytes(): number {
    return this.deps.store.fileOutbox
      .list()
      .reduce((sum, row) => sum + row.files.reduce((s, f) => s + f.blobBytes, 0), 0);
  }

  /** File messages waiting to be sent (refused ones wait for the user instead). */
  pending(): number {
    return this.deps.store.fileOutbox.list().filter((row) => row.lastError === null).length;
  }

  /** Why the server refused each refused file message of a chat, by message id. */
  failures(chatId: string): Map<string, string> {
    return new Map(
      this.deps.store.fileOutbox
        .list()
        .flatMap((row) => (row.chatId === chatId && row.lastError !== null ? [[row.messageId, row.lastError]] : [])),
    );
  }

  has(messageId: string): boolean {
    return this.deps.store.fileOutbox.get(messageId) !== null;
  }

  /** Timers and uploads stop (the engine stopped, the session ended); the rows stay for the next start. */
  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    for (const abort of this.aborts.values()) abort.abort();
  }
  open(): void {
    this.closed = false;
  }
  /** `close`, then waits for the attempts in flight to settle (before the store closes). */
  async stop(): Promise<void> {
    this.close();
    await Promise.all([...this.inFlight.values()].map((p) => p.catch(() => undefined)));
  }

  // ---- one attempt ----------------------------------------------------------------------------------

  private async attempt(messageId: string): Promise<SendOutcome> {
    const row = this.deps.store.fileOutbox.get(messageId);
    if (!row) return { state: 'sent' };
    if (this.cancelling.has(messageId)) return { state: 'queued' };
    const abort = new AbortController();
    this.aborts.set(messageId, abort);
    try {
      for (const file of row.files) if (!file.uploaded) await this.upload(row, file, abort.signal);
      const stored = await this.send(this.deps.store.fileOutbox.get(messageId) ?? row);
      await this.confirm(row, stored);
      this.consecutiveFailures = 0;
      return { state: 'sent' };
    } catch (error) {
      if (abort.signal.aborted) return { state: 'queued' };
      const refusal = this.definitive(error);
      if (refusal === null) {
        this.changed(row.chatId, [messageId]); // no longer uploading: waiting
        return { state: 'queued' };
      }
      if (this.closed) return { state: 'queued' }; // stopping: the store may be closed; tried on the next start
      this.deps.store.fileOutbox.setError(messageId, refusal);
      this.changed(row.chatId, [messageId]);
      return { state: 'failed', reason: refusal };
    }
  }

  /** The server's reason when it refused for good; null for a passing failure (network, 5xx, 408, 429). */
  private definitive(error: unknown): string | null {
    if (error instanceof AttachmentSendError) return error.message;
    if (error instanceof AttachmentTransferError) {
      const passing = error.status >= 500 || error.status === 408 || error.status === 429 || error.status === 409;
      return passing ? null : `The server refused the file: ${error.message}`;
    }
    return isDefinitiveRefusal(error) ? error.message : null;
  }

  private async upload(row: FileOutboxRow, file: PendingBlob, signal: AbortSignal): Promise<void> {
    const blobPath = outgoingBlobPath(this.deps.dir, file.id);
    if (!fs.existsSync(blobPath))
      throw new AttachmentSendError(
        'failed',
        'The sealed file is gone from this desktop: cancel this message and send the file again.',
      );
    const context = { chatId: row.chatId, messageId: row.messageId, attachmentId: file.id };
    const update = (patch: Partial<PendingBlob>) => {
      const current = this.deps.store.fileOutbox.get(row.messageId);
      if (!current) return;
      this.deps.store.fileOutbox.setFiles(
        row.messageId,
        current.files.map((f) => (f.id === file.id ? { ...f, ...patch } : f)),
      );
    };
    const run = (resumeUrl: string | undefined) =>
      this.deps.withToken((transfer) =>
        uploadBlob(
          { ...transfer, retryDelays: ATTEMPT_RETRY_DELAYS, onProgress: (p) => this.deps.onProgress(context, p) },
          file.id,
          blobPath,
          { resumeUrl, onUrl: (url) => update({ uploadUrl: url }), signal },
        ),
      );
    try {
      await run(file.uploadUrl ?? undefined);
    } catch (error) {
      // The upload exists but its URL was never kept (the run ended right after the server created it): tus
      // names uploads by their id, so it resumes there.
      if (!(error instanceof AttachmentTransferError && error.status === 409 && file.uploadUrl === null)) throw error;
      const url = attachmentUrl(this.deps.session.serverUrl, file.id);
      update({ uploadUrl: url });
      await run(url);
    }
    update({ uploaded: true });
  }

  /**
   * Sends the message naming its blobs. A rotation that came meanwhile (or is due now) means the body goes
   * under the chat's current key version: decrypted from the row under its own version, encrypted again.
   */
  private async send(row: FileOutboxRow): Promise<MessageRecord> {
    const { session, store, keyring } = this.deps;
    await this.deps.beforeWrite?.(row.chatId);
    const chat = store.getChat(row.chatId);
    if (!chat) throw new AttachmentSendError('not_found', 'This chat is no longer on this desktop.');
    let { ciphertext, keyVersion } = row;
    if (chat.key_version !== keyVersion) {
      const oldKey = keyring.keyFor(chat, keyVersion);
      const newKey = keyring.keyFor(chat, chat.key_version);
      if (!oldKey || !newKey) throw new AttachmentSendError('failed', 'This desktop has no key for this chat.');
      const body = decryptMessageBody(oldKey, row.chatId, row.messageId, ciphertext, keyVersion);
      keyVersion = chat.key_version;
      ciphertext = encryptMessageBody(newKey, row.chatId, row.messageId, body, keyVersion);
      store.fileOutbox.setBody(row.messageId, ciphertext, keyVersion);
    }
    return session.call('sendMessage', {
      params: { chatId: row.chatId },
      body: {
        messageId: row.messageId,
        clientKey: row.clientKey,
        ciphertext,
        attachmentIds: row.files.map((f) => f.id),
        ...(keyVersion > 1 ? { keyVersion } : {}),
      },
    });
  }

  /**
   * The blobs go to the cache first, then the row: a run that ends in between finds every blob uploaded,
   * replays the send (the server answers the stored message) and confirms again.
   */
  private async confirm(row: FileOutboxRow, stored: MessageRecord): Promise<void> {
    await this.deps.onSent(
      row.files.map((f) => ({ chatId: row.chatId, messageId: row.messageId, attachmentId: f.id })),
      row.files.map((f) => outgoingBlobPath(this.deps.dir, f.id)),
    );
    this.deps.store.transaction(() => {
      this.deps.store.putMessages([stored]);
      this.deps.store.fileOutbox.remove(row.messageId);
    });
    this.changed(row.chatId, [row.messageId]);
    await this.deps.afterSent?.();
  }

  /** One timer at a time; each passing failure doubles the wait (reset by any success). */
  retryLater(): void {
    this.scheduleRetry();
  }
  private scheduleRetry(): void {
    if (this.closed || this.retryTimer) return;
    this.consecutiveFailures++;
    this.retryTimer = setTimeout(
      () => {
        this.retryTimer = null;
        this.kick();
      },
      backoffDelay(this.consecutiveFailures, this.deps.backoff ?? DEFAULT_BACKOFF, BACKOFF_JITTER),
    );
    this.retryTimer.unref?.();
  }

  private changed(chatId: string, messageIds: string[]): void {
    if (this.closed) return;
    for (const listener of this.listeners) listener(chatId, messageIds);
  }
}
