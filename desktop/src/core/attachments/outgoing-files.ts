import fs from 'node:fs';
import path from 'node:path';
import {
  type AttachmentContext,
  attachmentCiphertextSize,
  AttachmentEncryptor,
  type AttachmentKey,
  generateAttachmentKey,
  largestAttachmentPlaintext,
  randomId,
} from '../../../../common/crypto';
import { DEFAULT_MAX_ATTACHMENT_BYTES } from '../../../../common/contract';

/**
 * Largest file this desktop sends: the biggest whose sealed blob fits the server's default
 * MAX_ATTACHMENT_BYTES (the limit counts the blob, ~27 KB longer than the file; the server answers 413 above
 * its own limit). The same bound as the phone's.
 */
export const MAX_SEND_BYTES = largestAttachmentPlaintext(DEFAULT_MAX_ATTACHMENT_BYTES);
/** Files being handed over by the renderer at once (each holds an open blob file). */
const MAX_STAGED = 10;

export interface OutgoingFile {
  readonly chatId: string;
  readonly name: string;
  readonly mime: string;
  /** Plaintext bytes the caller will hand over: every piece is counted against it, and the blob's length follows from it. */
  readonly size: number;
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

/** A file completely handed over and sealed: the blob on disk, what the body says about it. */
export interface SealedOutgoing {
  readonly file: OutgoingFile;
  readonly context: AttachmentContext;
  readonly key: AttachmentKey;
  readonly digest: string;
  readonly blobPath: string;
  readonly blobBytes: number;
}

interface Staged {
  readonly file: OutgoingFile;
  readonly context: AttachmentContext;
  readonly key: AttachmentKey;
  readonly encryptor: AttachmentEncryptor;
  readonly fd: number;
  readonly blobPath: string;
  received: number;
}

/**
 * Files on their way in from the renderer: each piece is encrypted as it arrives into
 * `<attachmentId>.sealing` (no plaintext ever touches the disk); `seal` ends the stream. Several files of one
 * message share its message id (it is in every chunk's additional data), so a file joins a message when it
 * begins — `beginSend(file, messageId)` with the id another staged file of that chat got.
 */
export class OutgoingFiles {
  private readonly staged = new Map<string, Staged>();

  constructor(private readonly dir: string) {}

  /** Sealing files of a run that ended before they were sent (never uploaded, never named): gone. */
  static sweep(dir: string): void {
    for (const name of fs.readdirSync(dir))
      if (name.endsWith('.sealing')) fs.rmSync(path.join(dir, name), { force: true });
  }

  begin(file: OutgoingFile, messageId?: string): { uploadId: string; messageId: string } {
    if (!Number.isSafeInteger(file.size) || file.size < 0)
      throw new AttachmentSendError('invalid', 'The file size must be a whole number of bytes.');
    if (file.size > MAX_SEND_BYTES)
      throw new AttachmentSendError(
        'invalid',
        `Files are limited to ${DEFAULT_MAX_ATTACHMENT_BYTES / (1024 * 1024)} MB.`,
      );
    if (this.staged.size >= MAX_STAGED)
      throw new AttachmentSendError('invalid', 'Too many files are being sent at once; wait for one to finish.');
    if (
      messageId !== undefined &&
      ![...this.staged.values()].some((s) => s.context.messageId === messageId && s.context.chatId === file.chatId)
    )
      throw new AttachmentSendError('not_found', 'That message has no file being sent to this chat.');
    const context = { chatId: file.chatId, messageId: messageId ?? randomId(), attachmentId: randomId() };
    const key = generateAttachmentKey();
    const blobPath = path.join(this.dir, `${context.attachmentId}.sealing`);
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
    return { uploadId: context.attachmentId, messageId: context.messageId };
  }

  /** The next piece, at `offset` (in order; encrypted and written at once). Returns the bytes received so far. */
  append(uploadId: string, offset: number, bytes: Uint8Array): number {
    const staged = this.require(uploadId);
    if (offset !== staged.received)
      throw new AttachmentSendError('invalid', `expected the piece at byte ${staged.received}, not ${offset}`);
    if (staged.received + bytes.length > staged.file.size)
      throw new AttachmentSendError(
        'invalid',
        `the file is longer than its announced size (${staged.file.size} bytes): begin it with its real size`,
      );
    for (const sealed of staged.encryptor.push(bytes)) fs.writeSync(staged.fd, sealed);
    staged.received += bytes.length;
    return staged.received;
  }

  /** The uploads begun for this message (to finish them together: a message id is used once). */
  uploadsOf(messageId: string): string[] {
    return [...this.staged.entries()].flatMap(([id, s]) => (s.context.messageId === messageId ? [id] : []));
  }

  context(uploadId: string): AttachmentContext {
    return this.require(uploadId).context;
  }

  /** Checks that the file arrived whole (nothing is sealed or removed when it didn't). */
  checkComplete(uploadId: string): void {
    const staged = this.require(uploadId);
    if (staged.received !== staged.file.size)
      throw new AttachmentSendError(
        'invalid',
        `only ${staged.received} of the announced ${staged.file.size} bytes arrived: append the rest, or begin it with its real size`,
      );
  }

  /**
   * Seals the last chunk. The blob must be exactly as long as its plaintext makes it — what the upload
   * declares to the server as its length; a mismatch is a bug here, said plainly instead of a tus 413.
   */
  seal(uploadId: string): SealedOutgoing {
    this.checkComplete(uploadId);
    const staged = this.require(uploadId);
    this.staged.delete(uploadId);
    let digest: string;
    try {
      const end = staged.encryptor.finish();
      for (const sealed of end.chunks) fs.writeSync(staged.fd, sealed);
      digest = end.digest;
    } finally {
      fs.closeSync(staged.fd);
    }
    const blobBytes = fs.statSync(staged.blobPath).size;
    if (blobBytes !== attachmentCiphertextSize(staged.file.size)) {
      fs.rmSync(staged.blobPath, { force: true });
      throw new AttachmentSendError(
        'failed',
        `the sealed file is ${blobBytes} bytes, not the ${attachmentCiphertextSize(staged.file.size)} its size makes`,
      );
    }
    const { file, context, key, blobPath } = staged;
    return { file, context, key, digest, blobPath, blobBytes };
  }

  cancel(uploadId: string): void {
    const staged = this.staged.get(uploadId);
    if (!staged) return;
    this.staged.delete(uploadId);
    fs.closeSync(staged.fd);
    fs.rmSync(staged.blobPath, { force: true });
  }

  cancelAll(): void {
    for (const id of [...this.staged.keys()]) this.cancel(id);
  }

  private require(uploadId: string): Staged {
    const staged = this.staged.get(uploadId);
    if (!staged) throw new AttachmentSendError('not_found', 'This file is not being sent (cancelled or finished).');
    return staged;
  }
}
