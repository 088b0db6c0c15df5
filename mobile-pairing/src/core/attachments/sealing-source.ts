import {
  type AttachmentContext,
  AttachmentEncryptor,
  type AttachmentKey,
  attachmentCiphertextSize,
} from '../../../../common/crypto';
import { AttachmentProblem } from './attachment-problem';

/** A file to send: a browser `File`/`Blob` (or Node's `Blob` in tests) — read in slices, never whole. */
export interface PlainFile {
  readonly size: number;
  slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

/** Plaintext read from the file at a time. */
const READ_BYTES = 1024 * 1024;

/**
 * A ciphertext piece for tus's HTTP stacks: bytes with a `size`. tus-js-client measures a piece by `.size`
 * (a Blob's) in both its browser and its Node stack; its Node stack sends a Uint8Array body and its
 * browser stack (XHR) sends any ArrayBufferView — so one value works in both.
 */
export type SealedPiece = Uint8Array & { readonly size: number };

/**
 * The blob of an attachment, sealed from the plaintext file while it is uploaded — the tus `FileSource`
 * for tus-js-client. Memory stays bounded whatever the file size: plaintext is read in 1 MiB slices, and of
 * the ciphertext only what the server may still ask for again is kept — from the start of the piece tus
 * asked for last (a request cut halfway resumes within it, at the offset the server reports) to what was
 * sealed ahead. A request for bytes before that is refused: a secretstream can't be rewound, and a server
 * that goes back past what it acknowledged is not one to resume with.
 *
 * The blob's length is known before a byte is sealed (`attachmentCiphertextSize`): it is the Upload-Length
 * declared, and the sealing checks it produced exactly that. The digest is known once everything is sealed.
 */
export class SealingSource {
  /** The blob's exact length. */
  readonly size: number;
  private readonly encryptor: AttachmentEncryptor;
  private readPosition = 0;
  /** Ciphertext kept, from blob offset `keptFrom` to `sealedEnd`. */
  private kept: Uint8Array[] = [];
  private keptFrom = 0;
  private sealedEnd = 0;
  private sealedDigest: string | null = null;
  /** The most ciphertext held at once (kept pieces plus the copy handed out), for the bounded-memory test. */
  peakHeldBytes = 0;
  /** The largest plaintext slice read at once. */
  largestRead = 0;

  constructor(
    private readonly file: PlainFile,
    key: AttachmentKey,
    context: AttachmentContext,
  ) {
    this.size = attachmentCiphertextSize(file.size);
    this.encryptor = new AttachmentEncryptor(key, context);
  }

  /** BLAKE2b-256 of the whole blob (base64url), once all of it was sealed. */
  get digest(): string | null {
    return this.sealedDigest;
  }

  /**
   * End of the bytes handed out so far. tus asks for the next bytes at the offset the server reports,
   * which can never be past what was handed out: a server that says so claims bytes it was never sent.
   */
  get servedEnd(): number {
    return this.served;
  }
  private served = 0;

  async slice(start: number, end: number): Promise<{ value: SealedPiece; done: boolean }> {
    if (start > this.served)
      throw new AttachmentProblem('refused', 'The server claimed to have parts of the file it was never sent.');
    if (start < this.keptFrom)
      throw new AttachmentProblem(
        'failed',
        `The upload can’t go back to byte ${start} (the server asked for bytes it had already acknowledged).`,
      );
    const stop = Math.min(end, this.size);
    this.dropBefore(start);
    while (this.sealedEnd < stop) await this.sealMore();
    const value = this.copy(start, stop);
    this.served = Math.max(this.served, stop);
    this.peakHeldBytes = Math.max(this.peakHeldBytes, this.sealedEnd - this.keptFrom + value.length);
    return { value, done: stop >= this.size };
  }

  close(): void {
    this.kept = [];
  }

  private async sealMore(): Promise<void> {
    if (this.sealedDigest !== null) throw new Error('the blob is sealed already');
    const from = this.readPosition;
    const to = Math.min(this.file.size, from + READ_BYTES);
    if (to > from) {
      const plain = new Uint8Array(await this.file.slice(from, to).arrayBuffer());
      // A file that shrank (or grew) while it was being sent: its blob would not be the length declared.
      if (plain.length !== to - from)
        throw new AttachmentProblem('failed', 'The file changed while it was being sent. Pick it again.');
      this.largestRead = Math.max(this.largestRead, plain.length);
      this.readPosition = to;
      this.keep(this.encryptor.push(plain));
    }
    if (this.readPosition === this.file.size) {
      const end = this.encryptor.finish();
      this.keep(end.chunks);
      if (this.sealedEnd !== this.size)
        throw new Error(`sealed ${this.sealedEnd} bytes where the blob is ${this.size} long`);
      this.sealedDigest = end.digest;
    }
  }

  private keep(pieces: Uint8Array[]): void {
    for (const piece of pieces) {
      this.kept.push(piece);
      this.sealedEnd += piece.length;
    }
  }

  /** Forgets ciphertext before blob offset `offset` (tus never asks for it again). */
  private dropBefore(offset: number): void {
    while (this.kept.length > 0 && this.keptFrom + this.kept[0]!.length <= offset) {
      this.keptFrom += this.kept[0]!.length;
      this.kept.shift();
    }
    if (this.kept.length > 0 && offset > this.keptFrom) {
      this.kept[0] = this.kept[0]!.subarray(offset - this.keptFrom);
      this.keptFrom = offset;
    }
  }

  private copy(start: number, stop: number): SealedPiece {
    const out = new Uint8Array(Math.max(0, stop - start));
    let position = this.keptFrom;
    for (const piece of this.kept) {
      const pieceEnd = position + piece.length;
      if (pieceEnd > start && position < stop) {
        const from = Math.max(start, position) - position;
        const to = Math.min(stop, pieceEnd) - position;
        out.set(piece.subarray(from, to), position + from - start);
      }
      position = pieceEnd;
      if (position >= stop) break;
    }
    return Object.assign(out, { size: out.length }) as SealedPiece;
  }
}
