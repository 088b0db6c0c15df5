import { CryptoError } from './errors';
import { type Brand, fromBase64Url, requireLength, toBase64Url, utf8 } from './encoding';
import { sodium } from './sodium';

/**
 * Attachments: one fresh key per file, the file streamed through libsodium's
 * crypto_secretstream_xchacha20poly1305 in fixed plaintext chunks. Memory stays at one chunk whatever the
 * file size; every chunk is authenticated, reordering or dropping chunks fails, and a stream cut before its
 * FINAL-tagged chunk is reported as truncated.
 *
 * Blob layout (what the server stores, opaque): `header (24 bytes) ‖ chunk₁ ‖ … ‖ chunkₙ`, each chunk
 * `ATTACHMENT_CHUNK_BYTES` of plaintext (the last one shorter, possibly empty) + 17 bytes of tag and MAC.
 * Every chunk's additional data names the chat, the message and the attachment, so a blob only opens for the
 * message it was sent in: the server can't make one message show another message's file.
 */
export type AttachmentKey = Brand<Uint8Array, 'AttachmentKey'>;

export const ATTACHMENT_CHUNK_BYTES = 64 * 1024;
export const ATTACHMENT_KEY_BYTES = 32;
const HEADER_BYTES = 24;
const CHUNK_OVERHEAD = 17;
const DIGEST_BYTES = 32;

export interface AttachmentContext {
  readonly chatId: string;
  readonly messageId: string;
  readonly attachmentId: string;
}

export function attachmentAdditionalData(context: AttachmentContext): Uint8Array {
  for (const part of [context.chatId, context.messageId, context.attachmentId]) {
    if (part.includes('/')) throw new Error(`additional-data part may not contain "/": ${part}`);
  }
  return utf8.encode(`symc/v1/attachment/${context.chatId}/${context.messageId}/${context.attachmentId}`);
}

export function generateAttachmentKey(): AttachmentKey {
  return sodium().crypto_secretstream_xchacha20poly1305_keygen() as AttachmentKey;
}

export function encodeAttachmentKey(key: AttachmentKey): string {
  return toBase64Url(key);
}

export function decodeAttachmentKey(text: string): AttachmentKey {
  return requireLength(fromBase64Url(text, 'attachment key'), ATTACHMENT_KEY_BYTES, 'attachment key') as AttachmentKey;
}

/** The blob's exact length for a plaintext of `plainBytes`: the server checks uploads against it. */
export function attachmentCiphertextSize(plainBytes: number): number {
  const chunks = Math.floor(plainBytes / ATTACHMENT_CHUNK_BYTES) + 1;
  return HEADER_BYTES + plainBytes + chunks * CHUNK_OVERHEAD;
}

/** BLAKE2b-256 over the whole blob, computed while streaming (the body carries it; the cache checks it). */
export class BlobDigest {
  private readonly state = sodium().crypto_generichash_init(null, DIGEST_BYTES);
  update(bytes: Uint8Array): void {
    sodium().crypto_generichash_update(this.state, bytes);
  }
  /** base64url of the 32-byte digest. Call once. */
  finish(): string {
    return toBase64Url(sodium().crypto_generichash_final(this.state, DIGEST_BYTES));
  }
}

/**
 * Encrypts a plaintext given in pieces of any size. `push` returns the ciphertext ready so far (the header
 * first); `finish` seals the last chunk with the FINAL tag. The ciphertext digest covers everything returned.
 */
export class AttachmentEncryptor {
  private readonly state: ReturnType<
    ReturnType<typeof sodium>['crypto_secretstream_xchacha20poly1305_init_push']
  >['state'];
  private readonly ad: Uint8Array;
  private readonly pending = new Uint8Array(ATTACHMENT_CHUNK_BYTES);
  private pendingLength = 0;
  private header: Uint8Array | null;
  private finished = false;
  private readonly digest = new BlobDigest();
  plainBytes = 0;

  constructor(key: AttachmentKey, context: AttachmentContext) {
    const { state, header } = sodium().crypto_secretstream_xchacha20poly1305_init_push(key);
    this.state = state;
    this.header = header;
    this.ad = attachmentAdditionalData(context);
  }

  push(plain: Uint8Array): Uint8Array[] {
    if (this.finished) throw new Error('the attachment encryptor is finished');
    const out = this.takeHeader();
    this.plainBytes += plain.length;
    let offset = 0;
    while (offset < plain.length) {
      // A full chunk is only sealed once more plaintext follows: the last chunk must carry the FINAL tag.
      if (this.pendingLength === ATTACHMENT_CHUNK_BYTES) out.push(this.seal(false));
      const take = Math.min(ATTACHMENT_CHUNK_BYTES - this.pendingLength, plain.length - offset);
      this.pending.set(plain.subarray(offset, offset + take), this.pendingLength);
      this.pendingLength += take;
      offset += take;
    }
    return out;
  }

  /** Seals what is left; returns the last ciphertext pieces and the digest of the whole blob. */
  finish(): { readonly chunks: Uint8Array[]; readonly digest: string } {
    if (this.finished) throw new Error('the attachment encryptor is finished');
    const out = this.takeHeader();
    if (this.pendingLength === ATTACHMENT_CHUNK_BYTES) out.push(this.seal(false));
    out.push(this.seal(true));
    this.finished = true;
    return { chunks: out, digest: this.digest.finish() };
  }

  private takeHeader(): Uint8Array[] {
    if (!this.header) return [];
    const header = this.header;
    this.header = null;
    this.digest.update(header);
    return [header];
  }

  private seal(last: boolean): Uint8Array {
    const s = sodium();
    const tag = last
      ? s.crypto_secretstream_xchacha20poly1305_TAG_FINAL
      : s.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
    const sealed = s.crypto_secretstream_xchacha20poly1305_push(
      this.state,
      this.pending.subarray(0, this.pendingLength),
      this.ad,
      tag,
    );
    this.pendingLength = 0;
    this.digest.update(sealed);
    return sealed;
  }
}

/**
 * Decrypts a blob given in pieces of any size (as they arrive from the network or the disk cache). Any
 * failure is a CryptoError `decrypt_failed` with a message saying whether the blob was damaged or cut short;
 * the caller shows the attachment as damaged and keeps none of its plaintext.
 */
export class AttachmentDecryptor {
  private state: unknown = null;
  private readonly ad: Uint8Array;
  private readonly buffer: Uint8Array;
  private bufferLength = 0;
  private done = false;
  private readonly digest = new BlobDigest();
  plainBytes = 0;

  constructor(
    private readonly key: AttachmentKey,
    context: AttachmentContext,
  ) {
    this.ad = attachmentAdditionalData(context);
    this.buffer = new Uint8Array(ATTACHMENT_CHUNK_BYTES + CHUNK_OVERHEAD);
  }

  push(cipher: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.digest.update(cipher);
    let offset = 0;
    while (offset < cipher.length) {
      if (this.done) throw new CryptoError('decrypt_failed', 'the attachment has bytes after its end (damaged)');
      const need = this.state === null ? HEADER_BYTES : ATTACHMENT_CHUNK_BYTES + CHUNK_OVERHEAD;
      const take = Math.min(need - this.bufferLength, cipher.length - offset);
      this.buffer.set(cipher.subarray(offset, offset + take), this.bufferLength);
      this.bufferLength += take;
      offset += take;
      if (this.bufferLength < need) break;
      if (this.state === null) this.openHeader();
      else out.push(this.open());
    }
    return out;
  }

  /** The last (short) chunk, and the digest of everything pushed. Throws if the FINAL chunk never came. */
  finish(): { readonly chunks: Uint8Array[]; readonly digest: string } {
    const out: Uint8Array[] = [];
    if (!this.done) {
      if (this.state === null || this.bufferLength < CHUNK_OVERHEAD) {
        throw new CryptoError('decrypt_failed', 'the attachment ends before its last chunk (truncated)');
      }
      out.push(this.open());
      if (!this.done) throw new CryptoError('decrypt_failed', 'the attachment ends before its last chunk (truncated)');
    }
    return { chunks: out, digest: this.digest.finish() };
  }

  private openHeader(): void {
    try {
      this.state = sodium().crypto_secretstream_xchacha20poly1305_init_pull(
        this.buffer.slice(0, HEADER_BYTES),
        this.key,
      );
    } catch {
      throw new CryptoError('decrypt_failed', 'the attachment header is not valid (damaged)');
    }
    this.bufferLength = 0;
  }

  private open(): Uint8Array {
    const s = sodium();
    let result: { message: Uint8Array; tag: number } | false;
    try {
      result = s.crypto_secretstream_xchacha20poly1305_pull(
        this.state as Parameters<typeof s.crypto_secretstream_xchacha20poly1305_pull>[0],
        this.buffer.subarray(0, this.bufferLength),
        this.ad,
      ) as { message: Uint8Array; tag: number } | false;
    } catch {
      result = false;
    }
    if (!result) throw new CryptoError('decrypt_failed', 'an attachment chunk does not authenticate (damaged)');
    this.bufferLength = 0;
    if (result.tag === s.crypto_secretstream_xchacha20poly1305_TAG_FINAL) this.done = true;
    this.plainBytes += result.message.length;
    return result.message;
  }
}
