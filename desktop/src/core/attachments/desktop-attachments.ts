import fs from 'node:fs';
import path from 'node:path';
import type { MessageRecord } from '../../../../common/contract';
import { type AttachmentRef, encryptMessageBody, signMessageBody } from '../../../../common/content';
import {
  type AttachmentContext,
  AttachmentEncryptor,
  encodeAttachmentKey,
  generateAttachmentKey,
  randomId,
  type SigningKeyPair,
} from '../../../../common/crypto';
import type { ChatKeyring } from '../crypto/chat-keyring';
import type { DeviceSession } from '../session/device-session';
import type { LocalStore } from '../store/local-store';
import type { StorageBudget } from '../store/storage-budget';
import type { ChatReader } from '../view/chat-reader';
import { AttachmentCache, AttachmentError, type AttachmentProblem } from './attachment-cache';
import { AttachmentTransferError, type TransferOptions, type TransferProgress, uploadBlob } from './blob-transfer';
import { PlainReader } from './plain-reader';
import { thumbnailProblem } from './thumbnail-check';

/** Largest file this desktop sends (the server's default MAX_ATTACHMENT_BYTES; it answers 413 above its own). */
export const MAX_SEND_BYTES = 100 * 1024 * 1024;
/** Files at most this large are fetched as soon as they are seen in an open chat or arrive live. */
export const DEFAULT_AUTO_DOWNLOAD_BYTES = 8 * 1024 * 1024;
/** Files being handed over by the renderer at once (each holds an open blob file). */
const MAX_STAGED = 8;
const AUTO_DOWNLOAD_KEY = 'attachment_auto_download_bytes' as const;

/** What the UI shows for one attachment. `percent` while a transfer runs. */
export type AttachmentState =
  | { readonly state: 'remote' }
  | { readonly state: 'cached' }
  | { readonly state: 'downloading' | 'uploading'; readonly percent: number }
  | { readonly state: AttachmentProblem };

export interface AttachmentChange {
  readonly chatId: string;
  readonly messageId: string;
  readonly attachmentId: string;
  readonly state: AttachmentState;
}

export interface OutgoingFile {
  readonly chatId: string;
  readonly name: string;
  readonly mime: string;
  readonly size: number;
}

export interface OutgoingImage {
  readonly width: number;
  readonly height: number;
  readonly thumbnail?: string | undefined;
  readonly thumbnailMime?: string | undefined;
}

/** A user-facing refusal (bad input, wrong state); anything else is a failure. */
export class AttachmentSendError extends Error {
  constructor(
    readonly code: 'invalid' | 'not_found' | 'failed',
    message: string,
  ) {
    super(message);
    this.name = 'AttachmentSendError';
  }
}

interface Staged {
  readonly file: OutgoingFile;
  readonly context: AttachmentContext;
  readonly key: ReturnType<typeof generateAttachmentKey>;
  readonly encryptor: AttachmentEncryptor;
  readonly fd: number;
  readonly blobPath: string;
  received: number;
}

export interface DesktopAttachmentsDeps {
  readonly dir: string;
  readonly session: DeviceSession;
  readonly store: LocalStore;
  readonly keyring: ChatKeyring;
  readonly reader: ChatReader;
  readonly signingKey: () => Promise<SigningKeyPair | null>;
  readonly budget: () => StorageBudget;
  readonly fetch?: typeof fetch;
  /** Before a file message is written: a key rotation a member's leave made due (docs/GROUPS.md). */
  readonly beforeWrite?: (chatId: string) => Promise<void>;
}

let localSeq = 0;

/**
 * The desktop's attachments: sending (the renderer hands a file over in pieces; they are encrypted as they
 * arrive, so no plaintext touches the disk; then uploaded and named by a signed message), fetching into the
 * encrypted cache (on open, or automatically below a size set on this desktop — in the background, never
 * part of the phased sync), reading a file back (decrypted as it is read), and keeping the cache inside
 * what the storage budget leaves after the messages.
 */
export class DesktopAttachments {
  private cache: AttachmentCache;
  private readonly staged = new Map<string, Staged>();
  private readonly transfers = new Map<string, AttachmentState>();
  private readonly problems = new Map<string, AttachmentProblem>();
  private readonly running = new Map<string, Promise<string>>();
  private readonly readers = new Map<string, PlainReader>();
  private readonly listeners = new Set<(change: AttachmentChange) => void>();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly deps: DesktopAttachmentsDeps) {
    this.cache = this.openCache();
  }

  private openCache(): AttachmentCache {
    fs.mkdirSync(this.deps.dir, { recursive: true, mode: 0o700 });
    // Blobs sealed for a send that never finished (the app closed meanwhile): never uploaded, never named.
    for (const name of fs.readdirSync(this.deps.dir))
      if (name.endsWith('.sealing')) fs.rmSync(path.join(this.deps.dir, name), { force: true });
    return new AttachmentCache(this.deps.dir);
  }

  /** Bytes of cached blobs (ciphertext), counted apart from the messages in the storage stats. */
  bytes(): number {
    return this.cache.bytes();
  }

  onChange(listener: (change: AttachmentChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get autoDownloadBytes(): number {
    const stored = this.deps.store.getState(AUTO_DOWNLOAD_KEY);
    const bytes = stored === null ? NaN : Number(stored);
    return Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : DEFAULT_AUTO_DOWNLOAD_BYTES;
  }

  /** 0: nothing is fetched before the user opens it. Kept on this desktop only. */
  setAutoDownloadBytes(bytes: number): void {
    this.deps.store.setState(AUTO_DOWNLOAD_KEY, String(Math.max(0, Math.floor(bytes))));
  }

  // ---- sending --------------------------------------------------------------------------------------

  /** Starts handing a file over; returns its id (the attachment's, used by `appendSend` / `finishSend`). */
  beginSend(file: OutgoingFile): string {
    const chat = this.deps.store.getChat(file.chatId);
    if (!chat) throw new AttachmentSendError('not_found', 'This chat is not on this desktop.');
    if (!this.deps.keyring.keyFor(chat))
      throw new AttachmentSendError('failed', 'This desktop has no key for this chat.');
    if (file.size > MAX_SEND_BYTES)
      throw new AttachmentSendError('invalid', `Files are limited to ${MAX_SEND_BYTES / (1024 * 1024)} MB.`);
    if (this.staged.size >= MAX_STAGED)
      throw new AttachmentSendError('invalid', 'Too many files are being sent at once; wait for one to finish.');
    const context = { chatId: file.chatId, messageId: randomId(), attachmentId: randomId() };
    const key = generateAttachmentKey();
    const blobPath = path.join(this.deps.dir, `${context.attachmentId}.sealing`);
    const fd = fs.openSync(blobPath, 'w', 0o600);
    this.staged.set(context.attachmentId, {
      file,
      context,
      key,
      encryptor: new AttachmentEncryptor(key, context),
      fd,
      blobPath,
      received: 0,
    });
    return context.attachmentId;
  }

  /** The next piece of the file, at `offset` (pieces come in order; each is encrypted and written at once). */
  appendSend(uploadId: string, offset: number, bytes: Uint8Array): number {
    const staged = this.requireStaged(uploadId);
    if (offset !== staged.received)
      throw new AttachmentSendError('invalid', `expected the piece at byte ${staged.received}, not ${offset}`);
    if (staged.received + bytes.length > staged.file.size)
      throw new AttachmentSendError('invalid', 'the file is longer than its announced size');
    for (const sealed of staged.encryptor.push(bytes)) fs.writeSync(staged.fd, sealed);
    staged.received += bytes.length;
    return staged.received;
  }

  cancelSend(uploadId: string): void {
    const staged = this.staged.get(uploadId);
    if (!staged) return;
    this.staged.delete(uploadId);
    fs.closeSync(staged.fd);
    fs.rmSync(staged.blobPath, { force: true });
  }

  /**
   * Seals the last chunk, uploads the blob (resuming after dropped connections) and sends the signed
   * message that carries the attachment's key. The blob then stays in the cache (the sender never
   * downloads its own file). Returns the stored message.
   */
  async finishSend(uploadId: string, text: string, image?: OutgoingImage): Promise<MessageRecord> {
    const staged = this.requireStaged(uploadId);
    if (staged.received !== staged.file.size)
      throw new AttachmentSendError('invalid', `only ${staged.received} of ${staged.file.size} bytes arrived`);
    if (image?.thumbnail !== undefined) {
      const problem = thumbnailProblem(image.thumbnail, image.thumbnailMime ?? '');
      if (problem) throw new AttachmentSendError('invalid', problem);
    }
    this.staged.delete(uploadId);
    const { context, file } = staged;
    let digest: string;
    try {
      const end = staged.encryptor.finish();
      for (const sealed of end.chunks) fs.writeSync(staged.fd, sealed);
      digest = end.digest;
    } finally {
      fs.closeSync(staged.fd);
    }
    try {
      await this.withFreshToken((transfer) =>
        uploadBlob(
          { ...transfer, onProgress: (p) => this.progress(context, 'uploading', p) },
          context.attachmentId,
          staged.blobPath,
        ),
      );
      const ref: AttachmentRef = {
        id: context.attachmentId,
        key: encodeAttachmentKey(staged.key),
        size: file.size,
        mime: file.mime,
        name: file.name,
        digest,
        ...(image ? { image: pickImage(image) } : {}),
      };
      const stored = await this.sendMessage(context, text, ref);
      await this.cache.adopt(staged.blobPath, context);
      await this.fit();
      return stored;
    } catch (error) {
      fs.rmSync(staged.blobPath, { force: true });
      if (error instanceof AttachmentTransferError)
        throw new AttachmentSendError('failed', `The server refused the file: ${error.message}`);
      throw error;
    } finally {
      this.transfers.delete(context.attachmentId);
      this.emit(context, this.state(context.attachmentId));
    }
  }

  private async sendMessage(context: AttachmentContext, text: string, ref: AttachmentRef): Promise<MessageRecord> {
    const { session, store, keyring } = this.deps;
    // Nothing new under a key a member who left still holds: the next version first, as text sends do.
    await this.deps.beforeWrite?.(context.chatId);
    const chat = store.getChat(context.chatId);
    // Written under the chat's current key version, as the outbox writes (docs/GROUPS.md).
    const keyVersion = chat?.key_version ?? 1;
    const chatKey = chat ? keyring.keyFor(chat, keyVersion) : null;
    if (!chatKey) throw new AttachmentSendError('not_found', 'This chat is no longer on this desktop.');
    const signing = await this.deps.signingKey();
    const sentAt = Date.now();
    const unsigned = { text, senderName: session.username, sentAt, attachments: [ref] };
    const origin = { chatId: context.chatId, messageId: context.messageId, senderUserId: session.userId };
    const ciphertext = encryptMessageBody(
      chatKey,
      context.chatId,
      context.messageId,
      signing ? signMessageBody(signing, origin, unsigned) : unsigned,
      keyVersion,
    );
    const stored = await session.call('sendMessage', {
      params: { chatId: context.chatId },
      body: {
        messageId: context.messageId,
        clientKey: `${sentAt}:${++localSeq}:att:${session.deviceId}`,
        ciphertext,
        attachmentIds: [ref.id],
        ...(keyVersion > 1 ? { keyVersion } : {}),
      },
    });
    store.transaction(() => store.putMessages([stored]));
    return stored;
  }

  private requireStaged(uploadId: string): Staged {
    const staged = this.staged.get(uploadId);
    if (!staged) throw new AttachmentSendError('not_found', 'This file is not being sent (cancelled or finished).');
    return staged;
  }

  // ---- receiving ------------------------------------------------------------------------------------

  /** The attachment as its (decrypted, signed) message names it; null when the message or file isn't here. */
  find(
    chatId: string,
    messageId: string,
    attachmentId: string,
  ): { ref: AttachmentRef; context: AttachmentContext } | null {
    const message = this.deps.reader.message(chatId, messageId);
    const ref = message?.attachments.find((a) => a.id === attachmentId);
    return ref ? { ref, context: { chatId, messageId, attachmentId } } : null;
  }

  state(attachmentId: string): AttachmentState {
    const transfer = this.transfers.get(attachmentId);
    if (transfer) return transfer;
    if (this.cache.has(attachmentId)) return { state: 'cached' };
    const problem = this.problems.get(attachmentId);
    return problem ? { state: problem } : { state: 'remote' };
  }

  /**
   * Makes sure the blob is cached and sound (downloading what is missing); returns its path. One download
   * per attachment at a time; a damaged blob is reported (and fetched again on the next try).
   */
  download(chatId: string, messageId: string, attachmentId: string): Promise<string> {
    const found = this.find(chatId, messageId, attachmentId);
    if (!found) return Promise.reject(new AttachmentError('unavailable', 'This attachment is not on this desktop.'));
    const running = this.running.get(attachmentId);
    if (running) return running;
    const { ref, context } = found;
    const task = (async () => {
      this.problems.delete(attachmentId);
      try {
        const blob = await this.withFreshToken((transfer) =>
          this.cache.fetch(ref, context, { ...transfer, onProgress: (p) => this.progress(context, 'downloading', p) }),
        );
        await this.fit(attachmentId);
        return blob;
      } catch (error) {
        if (error instanceof AttachmentError) this.problems.set(attachmentId, error.problem);
        throw error;
      } finally {
        this.running.delete(attachmentId);
        this.transfers.delete(attachmentId);
        this.emit(context, this.state(attachmentId));
      }
    })();
    this.running.set(attachmentId, task);
    return task;
  }

  /**
   * Queues the files of these messages that are at most the auto-download size and not here yet. They are
   * fetched one at a time in the background: nothing waits for them (least of all the sync).
   */
  autoDownload(
    messages: ReadonlyArray<{ chatId: string; messageId: string; attachments: readonly AttachmentRef[] }>,
  ): void {
    const limit = this.autoDownloadBytes;
    for (const message of messages)
      for (const ref of message.attachments) {
        if (ref.size > limit || this.cache.has(ref.id) || this.problems.has(ref.id) || this.running.has(ref.id))
          continue;
        this.queue = this.queue.then(() =>
          this.download(message.chatId, message.messageId, ref.id).then(
            () => undefined,
            () => undefined,
          ),
        );
      }
  }

  /**
   * Live messages: their small files are fetched in the background — from anyone, this account's phone
   * included (what this desktop sent itself is in the cache already).
   */
  autoDownloadRecords(records: readonly MessageRecord[]): void {
    const messages = records
      .filter((r) => r.senderDeviceId !== this.deps.session.deviceId)
      .flatMap((r) => this.deps.reader.message(r.chatId, r.messageId) ?? [])
      .filter((m) => m.attachments.length > 0);
    if (messages.length > 0) this.autoDownload(messages);
  }

  /** Decrypts the file to `destPath` (a save dialog's choice); only a sound, complete file lands there. */
  async saveTo(chatId: string, messageId: string, attachmentId: string, destPath: string): Promise<void> {
    await this.download(chatId, messageId, attachmentId);
    const found = this.find(chatId, messageId, attachmentId)!;
    try {
      await this.withFreshToken((transfer) => this.cache.open(found.ref, found.context, transfer, destPath));
    } catch (error) {
      if (error instanceof AttachmentError) {
        this.problems.set(attachmentId, error.problem);
        this.emit(found.context, this.state(attachmentId));
      }
      throw error;
    }
  }

  /**
   * Opens the file for reading in pieces (to show or download it in the renderer): decrypted as it is read,
   * never written in plaintext. Returns a reader id; `read` until `done`. At most a few open at once.
   */
  async openReader(
    chatId: string,
    messageId: string,
    attachmentId: string,
  ): Promise<{ readerId: string; ref: AttachmentRef }> {
    const blob = await this.download(chatId, messageId, attachmentId);
    const found = this.find(chatId, messageId, attachmentId)!;
    if (this.readers.size >= MAX_STAGED) {
      const oldest = this.readers.keys().next().value!;
      await this.closeReader(oldest);
    }
    const readerId = randomId();
    this.readers.set(readerId, await PlainReader.open(blob, found.ref, found.context));
    return { readerId, ref: found.ref };
  }

  async read(readerId: string, maxBytes: number): Promise<{ bytes: Uint8Array; done: boolean }> {
    const reader = this.readers.get(readerId);
    if (!reader) throw new AttachmentError('unavailable', 'This file is not open (closed or finished).');
    try {
      const piece = await reader.read(maxBytes);
      if (piece.done) await this.closeReader(readerId);
      return piece;
    } catch (error) {
      await this.closeReader(readerId);
      await this.cache.remove(reader.ref.id);
      this.problems.set(reader.ref.id, 'damaged');
      this.emit(reader.context, this.state(reader.ref.id));
      throw new AttachmentError('damaged', 'the attachment is damaged', { cause: error });
    }
  }

  async closeReader(readerId: string): Promise<void> {
    const reader = this.readers.get(readerId);
    this.readers.delete(readerId);
    await reader?.close();
  }

  // ---- the storage budget ---------------------------------------------------------------------------

  private evicting: Promise<void> = Promise.resolve();

  /** Chats the budget evicted: their files go with them, then the cache shrinks to what is left. */
  evicted(chatIds: readonly string[]): Promise<void> {
    this.evicting = this.evicting.then(async () => {
      for (const chatId of chatIds) await this.cache.evictChat(chatId);
      await this.fit();
    });
    return this.evicting;
  }

  /** Resolves once the evictions asked so far have removed their files. */
  evictionsDone(): Promise<void> {
    return this.evicting.catch(() => undefined);
  }

  /**
   * Media gets what the budget leaves after the messages; least recently used blobs go first (never the one
   * just fetched: `keep`).
   */
  async fit(keep?: string): Promise<void> {
    const room = Math.max(0, this.deps.budget().maxBytes - this.deps.store.stats(this.deps.budget()).bytes);
    if (this.cache.bytes() <= room) return;
    const keepEntry = keep ? this.cache.list().find((e) => e.id === keep) : undefined;
    await this.cache.evictTo(keepEntry ? Math.max(room, keepEntry.bytes) : room);
  }

  /** Sign-out / unlink: every blob and every staged file goes. */
  wipe(): void {
    this.stop();
    fs.rmSync(this.deps.dir, { recursive: true, force: true });
    this.cache = this.openCache();
  }

  /** The session expired and the store is kept (docs/DEVICE-LIFECYCLE.md): sends and reads stop, the cached blobs stay. */
  stop(): void {
    for (const id of [...this.staged.keys()]) this.cancelSend(id);
    for (const reader of this.readers.values()) void reader.close();
    this.readers.clear();
    this.transfers.clear();
    this.problems.clear();
  }

  // ---- helpers --------------------------------------------------------------------------------------

  private transfer(): TransferOptions {
    return {
      baseUrl: this.deps.session.serverUrl,
      accessToken: () => this.deps.session.accessToken,
    };
  }

  /** An expired access token (401) is refreshed through an ordinary API call, then the transfer retried once. */
  private async withFreshToken<T>(run: (transfer: TransferOptions) => Promise<T>): Promise<T> {
    try {
      return await run(this.transfer());
    } catch (error) {
      const cause = error instanceof AttachmentError ? error.cause : error;
      if (!(cause instanceof AttachmentTransferError) || cause.status !== 401) throw error;
      await this.deps.session.call('me', {});
      return run(this.transfer());
    }
  }

  private progress(context: AttachmentContext, state: 'uploading' | 'downloading', p: TransferProgress): void {
    const percent = p.total > 0 ? Math.min(100, Math.floor((p.done / p.total) * 100)) : 0;
    const previous = this.transfers.get(context.attachmentId);
    if (previous && previous.state === state && 'percent' in previous && previous.percent === percent) return;
    this.transfers.set(context.attachmentId, { state, percent });
    this.emit(context, { state, percent });
  }

  private emit(context: AttachmentContext, state: AttachmentState): void {
    const change = { chatId: context.chatId, messageId: context.messageId, attachmentId: context.attachmentId, state };
    for (const listener of this.listeners) listener(change);
  }
}

function pickImage(image: OutgoingImage): NonNullable<AttachmentRef['image']> {
  return {
    width: image.width,
    height: image.height,
    ...(image.thumbnail !== undefined ? { thumbnail: image.thumbnail } : {}),
    ...(image.thumbnail !== undefined && image.thumbnailMime !== undefined
      ? { thumbnailMime: image.thumbnailMime }
      : {}),
  };
}
