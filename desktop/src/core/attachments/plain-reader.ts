import fsp from 'node:fs/promises';
import type { AttachmentRef } from '../../../../common/content';
import {
  type AttachmentContext,
  AttachmentDecryptor,
  CryptoError,
  decodeAttachmentKey,
} from '../../../../common/crypto';

const READ_BYTES = 256 * 1024;

/**
 * A cached blob read back as plaintext, in pieces, decrypted as it is read (nothing written to disk). The
 * last piece comes only after the FINAL chunk authenticated and the digest and size matched the message's:
 * a reader that gets `done` has the file exactly as its author sent it; any failure is a CryptoError.
 */
export class PlainReader {
  private readonly decryptor: AttachmentDecryptor;
  private readonly pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private position = 0;
  private ended = false;

  private constructor(
    private readonly handle: fsp.FileHandle,
    readonly ref: AttachmentRef,
    readonly context: AttachmentContext,
  ) {
    this.decryptor = new AttachmentDecryptor(decodeAttachmentKey(ref.key), context);
  }

  static async open(blobPath: string, ref: AttachmentRef, context: AttachmentContext): Promise<PlainReader> {
    return new PlainReader(await fsp.open(blobPath, 'r'), ref, context);
  }

  /** Up to `maxBytes` of plaintext; `done` with the last piece. */
  async read(maxBytes: number): Promise<{ bytes: Uint8Array; done: boolean }> {
    while (this.pendingBytes < maxBytes && !this.ended) await this.fill();
    const out = new Uint8Array(Math.min(maxBytes, this.pendingBytes));
    let filled = 0;
    while (filled < out.length) {
      const head = this.pending[0]!;
      const take = Math.min(head.length, out.length - filled);
      out.set(head.subarray(0, take), filled);
      filled += take;
      if (take === head.length) this.pending.shift();
      else this.pending[0] = head.subarray(take);
    }
    this.pendingBytes -= filled;
    return { bytes: out, done: this.ended && this.pendingBytes === 0 };
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }

  private async fill(): Promise<void> {
    const buffer = new Uint8Array(READ_BYTES);
    const { bytesRead } = await this.handle.read(buffer, 0, READ_BYTES, this.position);
    this.position += bytesRead;
    if (bytesRead > 0) {
      this.keep(this.decryptor.push(buffer.subarray(0, bytesRead)));
      return;
    }
    const end = this.decryptor.finish();
    this.keep(end.chunks);
    if (end.digest !== this.ref.digest || this.decryptor.plainBytes !== this.ref.size)
      throw new CryptoError('decrypt_failed', 'the attachment is not the one its message names (damaged)');
    this.ended = true;
  }

  private keep(chunks: Uint8Array[]): void {
    for (const chunk of chunks) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
    }
  }
}
