import {
  type AttachmentContext,
  AttachmentDecryptor,
  type AttachmentKey,
  attachmentCiphertextSize,
} from './attachment-stream';
import { CryptoError } from './errors';

/** What the (signed, encrypted) message says a blob is: its plaintext size and the blob's digest. */
export interface AttachmentExpectation {
  readonly size: number;
  /** BLAKE2b-256 of the whole blob, base64url. */
  readonly digest: string;
}

/**
 * Decrypts a blob fetched from the server — which is not trusted — and holds it to what its message says.
 * Plaintext comes out as chunks authenticate, but none of it is the file until `finish` returned: that is
 * where a stream cut before its FINAL chunk, a blob of another length or another digest is refused. More
 * bytes than the blob's exact length are refused as they arrive. Every refusal is a CryptoError
 * `decrypt_failed` whose message says "damaged" or "truncated"; the caller drops what it decrypted.
 */
export class CheckedAttachmentDecryptor {
  private readonly inner: AttachmentDecryptor;
  /** The blob's exact length, from the size the message names. */
  readonly blobBytes: number;
  private received = 0;

  constructor(
    key: AttachmentKey,
    context: AttachmentContext,
    private readonly expect: AttachmentExpectation,
  ) {
    this.inner = new AttachmentDecryptor(key, context);
    this.blobBytes = attachmentCiphertextSize(expect.size);
  }

  /** Blob bytes received so far (where a cut download resumes). */
  get receivedBytes(): number {
    return this.received;
  }

  push(cipher: Uint8Array): Uint8Array[] {
    if (this.received + cipher.length > this.blobBytes)
      throw new CryptoError('decrypt_failed', 'the attachment is longer than its message says (damaged)');
    this.received += cipher.length;
    return this.inner.push(cipher);
  }

  /** The last plaintext; throws unless the whole blob came, authenticated, and is the one the message names. */
  finish(): Uint8Array[] {
    if (this.received < this.blobBytes)
      throw new CryptoError('decrypt_failed', 'the attachment ends before its last chunk (truncated)');
    const end = this.inner.finish();
    if (end.digest !== this.expect.digest)
      throw new CryptoError('decrypt_failed', 'the attachment is not the one its message names (damaged)');
    if (this.inner.plainBytes !== this.expect.size)
      throw new CryptoError('decrypt_failed', 'the attachment has another size than its message says (damaged)');
    return end.chunks;
  }
}

/**
 * The largest plaintext whose blob is at most `maxBlobBytes` long. The server's limit (MAX_ATTACHMENT_BYTES)
 * counts the blob, which is a little longer than the file: a client checks a file against this before it
 * encrypts a byte, so an oversize file is refused with a sentence rather than a 413 halfway through.
 */
export function largestAttachmentPlaintext(maxBlobBytes: number): number {
  if (attachmentCiphertextSize(0) > maxBlobBytes) return -1;
  // attachmentCiphertextSize grows strictly with the plaintext: a binary search for the last size that fits.
  let fits = 0;
  let tooBig = maxBlobBytes + 1;
  while (tooBig - fits > 1) {
    const middle = Math.floor((fits + tooBig) / 2);
    if (attachmentCiphertextSize(middle) <= maxBlobBytes) fits = middle;
    else tooBig = middle;
  }
  return fits;
}
