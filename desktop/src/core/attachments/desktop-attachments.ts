import fs from 'node:fs';
import path from 'node:path';
import type { MessageRecord } from '../../../../common/contract';
import type { AttachmentRef } from '../../../../common/content';
import {
  type AttachmentContext,
  decodeAttachmentKey,
  encodeAttachmentKey,
  randomId,
  type SigningKeyPair,
} from '../../../../common/crypto';
import type { Backoff } from '../../../../common/retry/backoff';
import type { ChatKeyring } from '../crypto/chat-keyring';
import type { DeviceSession } from '../session/device-session';
import type { LocalStore } from '../store/local-store';
import type { StorageBudget } from '../store/storage-budget';
import type { SendOutcome } from '../sync/outbox';
import type { ChatReader } from '../view/chat-reader';
import { AttachmentCache, AttachmentError, type AttachmentProblem } from './attachment-cache';
import { openBlobFile } from './blob-files';
import { AttachmentTransferError, type TransferOptions, type TransferProgress } from './blob-transfer';
import { FileOutbox } from './file-outbox';
import { AttachmentSendError, type OutgoingFile, OutgoingFiles, type SealedOutgoing } from './outgoing-files';
import { PlainReader } from './plain-reader';
import { thumbnailProblem } from './thumbnail-check';

export { AttachmentSendError, MAX_SEND_BYTES, type OutgoingFile } from './outgoing-files';

/** Files at most this large are fetched as soon as they are seen in an open chat or arrive live. */
export const DEFAULT_AUTO_DOWNLOAD_BYTES = 8 * 1024 * 1024;
/** Files open for reading back at once. */
const MAX_READERS = 8;
const AUTO_DOWNLOAD_KEY = 'attachment_auto_download_bytes' as const;

/**
 * What the UI shows for one attachment. `percent` while a transfer runs; `waiting`: sealed on this desktop,
 * its message waiting to be sent (offline, or refused: the message says which).
 */
export type AttachmentState =
  | { readonly state: 'remote' }
  | { readonly state: 'cached' }
  | { readonly state: 'waiting' }
  | { readonly state: 'downloading' | 'uploading'; readonly percent: number }
  | { readonly state: AttachmentProblem };

export interface AttachmentChange {
  readonly chatId: string;
  readonly messageId: string;
  readonly attachmentId: string;
  readonly state: AttachmentState;
}

export interface OutgoingImage {
  readonly width: number;
  readonly height: number;
  readonly thumbnail?: string | undefined;
  readonly thumbnailMime?: string | undefined;
}

/** One file of a message being finished: its upload and, for an image, the renderer's measurements. */
export interface FinishedFile {
  readonly uploadId: string;
  readonly image?: OutgoingImage | undefined;
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
  /** Waits between tries of a file message that could not go (default: the outbox's). */
  readonly backoff?: Backoff;
}

/**
 * The desktop's attachments: sending (the renderer hands files over in pieces; they are encrypted as they
 * arrive, so no plaintext touches the disk; then queued in the file outbox, uploaded and named by one
 * signed message — also after being offline or a restart), fetching into the encrypted cache (on open, or
 * automatically below a size set on this desktop — in the background, never part of the phased sync),
 * reading a file back (decrypted as it is read), and keeping the cache inside what the storage budget
 * leaves after the messages and the files waiting to be sent.
 */
export class DesktopAttachments {
  private cache: AttachmentCache;
  private outgoing: OutgoingFiles;
  readonly outbox: FileOutbox;
  private readonly transfers = new Map<string, AttachmentState>();
  private readonly problems = new Map<string, AttachmentProblem>();
  private readonly running = new Map<string, Promise<string>>();
  private readonly readers = new Map<string, PlainReader>();
  private readonly listeners = new Set<(change: AttachmentChange) => void>();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly deps: DesktopAttachmentsDeps) {
    this.cache = this.openCache();
    this.outgoing = new OutgoingFiles(deps.dir);
    this.outbox = new FileOutbox({
      dir: deps.dir,
      session: deps.session,
      store: deps.store,
      keyring: deps.keyring,
      signingKey: deps.signingKey,
      beforeWrite: deps.beforeWrite,
      backoff: deps.backoff,
      withToken: (run) => this.withFreshToken(run),
      onProgress: (context, p) => this.progress(context, 'uploading', p),
      onSent: async (contexts, blobPaths) => {
        for (const [i, context] of contexts.entries()) {
          this.transfers.delete(context.attachmentId);
          if (fs.existsSync(blobPaths[i]!)) await this.cache.adopt(blobPaths[i]!, context);
          this.emit(context, this.state(context.attachmentId));
        }
      },
      afterSent: () => this.fit(),
    });
    // A message refused or cancelled: its files show as waiting (or go with it).
    this.outbox.onChange((chatId, messageIds) => {
      for (const messageId of messageIds)
        for (const ref of this.deps.reader.message(chatId, messageId)?.attachments ?? []) {
          this.transfers.delete(ref.id);
          this.emit({ chatId, messageId, attachmentId: ref.id }, this.state(ref.id));
        }
    });
  }

  private openCache(): AttachmentCache {
    fs.mkdirSync(this.deps.dir, { recursive: true, mode: 0o700 });
    OutgoingFiles.sweep(this.deps.dir);
    return new AttachmentCache(this.deps.dir);
  }

  /** Bytes of media here (ciphertext): cached blobs and blobs waiting to be sent, apart from the messages. */
  bytes(): number {
    return this.cache.bytes() + this.outbox.pendingBytes();
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

  /**
   * Starts handing a file over; returns its upload id (for `appendSend` / `finishSend`) and its message's
   * id. `messageId`: a message another file of this chat began with — the files then go in one message.
   * `file.size` is the exact plaintext length that will be appended (the blob's length, which the upload
   * declares to the server, follows from it).
   */
  beginSend(file: OutgoingFile, messageId?: string): { uploadId: string; messageId: string } {
    const chat = this.deps.store.getChat(file.chatId);
    if (!chat) throw new AttachmentSendError('not_found', 'This chat is not on this desktop.');
    if (!this.deps.keyring.keyFor(chat))
      throw new AttachmentSendError('failed', 'This desktop has no key for this chat.');
    return this.outgoing.begin(file, messageId);
  }

  /** The next piece of the file, at `offset` (pieces come in order; each is encrypted and written at once). */
  appendSend(uploadId: string, offset: number, bytes: Uint8Array): number {
    return this.outgoing.append(uploadId, offset, bytes);
  }

  cancelSend(uploadId: string): void {
    this.outgoing.cancel(uploadId);
  }

  /**
   * Seals the files (all of one message), queues the signed message that carries their keys in the file
   * outbox — from here it survives being offline and restarts — and makes a first attempt: upload (resuming
   * after dropped connections), then send. Answers after that attempt: `queued` (it goes by itself later) or
   * `failed` (the server's reason; the user retries or cancels). The blobs then stay in the cache.
   */
  async finishSend(
    files: readonly FinishedFile[],
    text: string,
    /** Called once the message is queued (it shows from then on), before the first attempt. */
    onQueued?: (chatId: string, messageId: string) => void,
  ): Promise<{ messageId: string; chatId: string; queued: boolean; failed: string | null }> {
    if (files.length === 0) throw new AttachmentSendError('invalid', 'A file message needs a file.');
    const contexts = files.map((f) => this.outgoing.context(f.uploadId));
    const { chatId, messageId } = contexts[0]!;
    if (contexts.some((c) => c.messageId !== messageId || c.chatId !== chatId))
      throw new AttachmentSendError('invalid', 'These files were not begun as one message.');
    if (new Set(files.map((f) => f.uploadId)).size !== files.length)
      throw new AttachmentSendError('invalid', 'A file is named twice.');
    if (this.outgoing.uploadsOf(messageId).length !== files.length)
      throw new AttachmentSendError('invalid', 'Every file begun for this message must be finished with it.');
    for (const f of files) {
      this.outgoing.checkComplete(f.uploadId);
      if (f.image?.thumbnail !== undefined) {
        const problem = thumbnailProblem(f.image.thumbnail, f.image.thumbnailMime ?? '');
        if (problem) throw new AttachmentSendError('invalid', problem);
      }
    }
    try {
      const sealed = files.map((f) => this.outgoing.seal(f.uploadId));
      const refs = sealed.map((s, i) => refOf(s, files[i]!.image));
      await this.outbox.queue(chatId, messageId, text, sealed, refs);
    } catch (error) {
      if (this.outbox.has(messageId)) throw error;
      // Not queued: nothing of these files stays (sealed, sealing or moved to .outgoing).
      for (const f of files) {
        this.outgoing.cancel(f.uploadId);
        for (const file of [`${f.uploadId}.sealing`, `${f.uploadId}.outgoing`])
          fs.rmSync(path.join(this.deps.dir, file), { force: true });
      }
      throw error;
    }
    onQueued?.(chatId, messageId);
    const outcome: SendOutcome = await this.outbox.deliver(messageId);
    if (outcome.state === 'queued') this.outbox.retryLater();
    return {
      messageId,
      chatId,
      queued: outcome.state === 'queued',
      failed: outcome.state === 'failed' ? outcome.reason : null,
    };
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
    if (this.outbox.blobPath(attachmentId)) return { state: 'waiting' };
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
    // Sealed here and waiting to be sent: read from the sealed blob (the server may not have it yet).
    const waiting = this.outbox.blobPath(attachmentId);
    if (waiting) return Promise.resolve(waiting);
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
    const waiting = this.outbox.blobPath(attachmentId);
    if (waiting) {
      await openBlobFile(waiting, destPath, decodeAttachmentKey(found.ref.key), found.context, found.ref);
      return;
    }
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
    if (this.readers.size >= MAX_READERS) {
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
    // Blobs waiting to be sent take their room first: they are the only copy of an unsent message.
    const room = Math.max(
      0,
      this.deps.budget().maxBytes - this.deps.store.stats(this.deps.budget()).bytes - this.outbox.pendingBytes(),
    );
    if (this.cache.bytes() <= room) return;
    const keepEntry = keep ? this.cache.list().find((e) => e.id === keep) : undefined;
    await this.cache.evictTo(keepEntry ? Math.max(room, keepEntry.bytes) : room);
  }

  /** Sign-out / unlink: every blob, every staged file and every sealed file waiting to be sent goes. */
  wipe(): void {
    this.stop();
    fs.rmSync(this.deps.dir, { recursive: true, force: true });
    this.cache = this.openCache();
  }

  /**
   * The session expired and the store is kept (docs/DEVICE-LIFECYCLE.md): sends and reads stop; the cached
   * blobs and the file messages waiting to be sent stay (they go after a relink by the same account).
   */
  stop(): void {
    this.outbox.close();
    this.outgoing.cancelAll();
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

/** What the message body says about a sealed file. */
function refOf(sealed: SealedOutgoing, image: OutgoingImage | undefined): AttachmentRef {
  return {
    id: sealed.context.attachmentId,
    key: encodeAttachmentKey(sealed.key),
    size: sealed.file.size,
    mime: sealed.file.mime,
    name: sealed.file.name,
    digest: sealed.digest,
    ...(image ? { image: pickImage(image) } : {}),
  };
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
