import {
  ATTACHMENT_CHUNK_BYTES,
  AttachmentDecryptor,
  AttachmentEncryptor,
  CryptoError,
  attachmentCiphertextSize,
  decodeAttachmentKey,
  encodeAttachmentKey,
  generateAttachmentKey,
  initCrypto,
  type AttachmentContext,
  type AttachmentKey,
} from './index';

beforeAll(initCrypto);

const context: AttachmentContext = {
  chatId: '11111111-1111-4111-8111-111111111111',
  messageId: '22222222-2222-4222-8222-222222222222',
  attachmentId: '33333333-3333-4333-8333-333333333333',
};

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function plaintext(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = (i * 31 + 7) & 0xff;
  return bytes;
}

/** Encrypts `plain` fed in pieces of `piece` bytes. */
function encrypt(key: AttachmentKey, plain: Uint8Array, piece: number): { blob: Uint8Array; digest: string } {
  const enc = new AttachmentEncryptor(key, context);
  const parts: Uint8Array[] = [];
  for (let o = 0; o < plain.length; o += piece) parts.push(...enc.push(plain.subarray(o, o + piece)));
  const end = enc.finish();
  parts.push(...end.chunks);
  return { blob: concat(parts), digest: end.digest };
}

function decrypt(
  key: AttachmentKey,
  blob: Uint8Array,
  piece: number,
  ctx = context,
): { plain: Uint8Array; digest: string } {
  const dec = new AttachmentDecryptor(key, ctx);
  const parts: Uint8Array[] = [];
  for (let o = 0; o < blob.length; o += piece) parts.push(...dec.push(blob.subarray(o, o + piece)));
  const end = dec.finish();
  parts.push(...end.chunks);
  return { plain: concat(parts), digest: end.digest };
}

function expectDamaged(fn: () => unknown, word: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CryptoError);
  expect((caught as CryptoError).code).toBe('decrypt_failed');
  expect((caught as CryptoError).message).toMatch(word);
}

describe('attachment secretstream', () => {
  it.each([
    0,
    1,
    ATTACHMENT_CHUNK_BYTES - 1,
    ATTACHMENT_CHUNK_BYTES,
    ATTACHMENT_CHUNK_BYTES + 1,
    3 * ATTACHMENT_CHUNK_BYTES,
  ])('round-trips %i bytes fed in odd pieces, with the predicted size and matching digests', (n) => {
    const key = generateAttachmentKey();
    const plain = plaintext(n);
    const { blob, digest } = encrypt(key, plain, 10_007);
    expect(blob.length).toBe(attachmentCiphertextSize(n));
    const opened = decrypt(key, blob, 4_099);
    expect(Buffer.from(opened.plain).equals(Buffer.from(plain))).toBe(true);
    expect(opened.digest).toBe(digest);
  });

  it('feeding whole chunks exactly (push ends on a chunk boundary) still seals the last one FINAL', () => {
    const key = generateAttachmentKey();
    const plain = plaintext(2 * ATTACHMENT_CHUNK_BYTES);
    const { blob } = encrypt(key, plain, ATTACHMENT_CHUNK_BYTES);
    expect(blob.length).toBe(attachmentCiphertextSize(plain.length));
    expect(decrypt(key, blob, ATTACHMENT_CHUNK_BYTES).plain.length).toBe(plain.length);
  });

  it('refuses a blob cut at any chunk boundary or inside a chunk as truncated', () => {
    const key = generateAttachmentKey();
    const { blob } = encrypt(key, plaintext(3 * ATTACHMENT_CHUNK_BYTES + 100), 50_000);
    const chunk = ATTACHMENT_CHUNK_BYTES + 17;
    for (const cut of [0, 10, 24, 24 + chunk, 24 + 2 * chunk, 24 + 3 * chunk, blob.length - 1]) {
      expectDamaged(() => decrypt(key, blob.subarray(0, cut), 8192), /truncated|damaged/);
    }
    // Cut exactly after whole chunks: every chunk authenticates, but the FINAL one never came.
    expectDamaged(() => decrypt(key, blob.subarray(0, 24 + 3 * chunk), 8192), /truncated/);
  });

  it('refuses a flipped byte, a wrong key, another message and trailing bytes', () => {
    const key = generateAttachmentKey();
    const { blob } = encrypt(key, plaintext(100_000), 30_000);
    const flipped = blob.slice();
    flipped[70_000] = (flipped[70_000] ?? 0) ^ 1;
    expectDamaged(() => decrypt(key, flipped, 8192), /damaged/);
    expectDamaged(() => decrypt(generateAttachmentKey(), blob, 8192), /damaged/);
    expectDamaged(
      () => decrypt(key, blob, 8192, { ...context, messageId: '44444444-4444-4444-8444-444444444444' }),
      /damaged/,
    );
    expectDamaged(() => decrypt(key, concat([blob, new Uint8Array([0])]), 8192), /damaged/);
  });

  it('refuses chunks swapped in order', () => {
    const key = generateAttachmentKey();
    const { blob } = encrypt(key, plaintext(3 * ATTACHMENT_CHUNK_BYTES), 50_000);
    const chunk = ATTACHMENT_CHUNK_BYTES + 17;
    const swapped = concat([
      blob.subarray(0, 24),
      blob.subarray(24 + chunk, 24 + 2 * chunk),
      blob.subarray(24, 24 + chunk),
      blob.subarray(24 + 2 * chunk),
    ]);
    expectDamaged(() => decrypt(key, swapped, 8192), /damaged/);
  });

  it('keys round-trip through base64url and a fresh key is made per attachment', () => {
    const key = generateAttachmentKey();
    expect(decodeAttachmentKey(encodeAttachmentKey(key))).toEqual(key);
    expect(generateAttachmentKey()).not.toEqual(key);
    expect(() => decodeAttachmentKey('AAAA')).toThrow(CryptoError);
  });
});
