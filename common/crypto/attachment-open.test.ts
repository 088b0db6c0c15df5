import {
  ATTACHMENT_CHUNK_BYTES,
  AttachmentEncryptor,
  CheckedAttachmentDecryptor,
  CryptoError,
  attachmentCiphertextSize,
  generateAttachmentKey,
  initCrypto,
  largestAttachmentPlaintext,
  type AttachmentContext,
  type AttachmentKey,
} from './index';

beforeAll(initCrypto);

const context: AttachmentContext = {
  chatId: '11111111-1111-4111-8111-111111111111',
  messageId: '22222222-2222-4222-8222-222222222222',
  attachmentId: '33333333-3333-4333-8333-333333333333',
};

function seal(key: AttachmentKey, plain: Uint8Array): { blob: Uint8Array; digest: string } {
  const encryptor = new AttachmentEncryptor(key, context);
  const parts = encryptor.push(plain);
  const end = encryptor.finish();
  parts.push(...end.chunks);
  const blob = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    blob.set(p, at);
    at += p.length;
  }
  return { blob, digest: end.digest };
}

/** Feeds `blob` in pieces of `piece` bytes; returns the plaintext only when `finish` accepted it. */
function open(key: AttachmentKey, blob: Uint8Array, expect: { size: number; digest: string }, piece = 10_000) {
  const decryptor = new CheckedAttachmentDecryptor(key, context, expect);
  const out: Uint8Array[] = [];
  for (let i = 0; i < blob.length; i += piece) out.push(...decryptor.push(blob.subarray(i, i + piece)));
  out.push(...decryptor.finish());
  return Buffer.concat(out);
}

describe('CheckedAttachmentDecryptor: a fetched blob held to what its message says', () => {
  const plain = Uint8Array.from({ length: 3 * ATTACHMENT_CHUNK_BYTES + 123 }, (_, i) => (i * 7) & 0xff);
  let key: AttachmentKey;
  let blob: Uint8Array;
  let expect_: { size: number; digest: string };
  beforeAll(() => {
    key = generateAttachmentKey();
    const sealed = seal(key, plain);
    blob = sealed.blob;
    expect_ = { size: plain.length, digest: sealed.digest };
  });

  it('opens the blob its message names, whatever the piece size', () => {
    for (const piece of [1, 4096, ATTACHMENT_CHUNK_BYTES + 17, blob.length])
      expect(Buffer.compare(open(key, blob, expect_, piece), Buffer.from(plain))).toBe(0);
  });

  it('refuses a cut blob as truncated, a longer one as it arrives, another digest or size as damaged', () => {
    expect(() => open(key, blob.subarray(0, blob.length - 1), expect_)).toThrow(/truncated/);
    expect(() => open(key, blob.subarray(0, ATTACHMENT_CHUNK_BYTES + 41), expect_)).toThrow(/truncated/);
    const longer = new Uint8Array(blob.length + 1);
    longer.set(blob);
    const decryptor = new CheckedAttachmentDecryptor(key, context, expect_);
    expect(() => decryptor.push(longer)).toThrow(/longer than its message says/);
    // Another blob sealed with the same key and context (the author's own other file): its digest differs.
    const other = seal(
      key,
      plain.map((b) => b ^ 1),
    );
    expect(() => open(key, other.blob, expect_)).toThrow(/not the one its message names/);
    const flipped = blob.slice();
    flipped[ATTACHMENT_CHUNK_BYTES] = flipped[ATTACHMENT_CHUNK_BYTES]! ^ 1;
    expect(() => open(key, flipped, expect_)).toThrow(CryptoError);
  });
});

it('largestAttachmentPlaintext: the biggest file whose blob still fits the server’s limit', () => {
  for (const max of [41, 42, 1000, ATTACHMENT_CHUNK_BYTES + 41, 100 * 1024 * 1024]) {
    const largest = largestAttachmentPlaintext(max);
    expect(attachmentCiphertextSize(largest)).toBeLessThanOrEqual(max);
    expect(attachmentCiphertextSize(largest + 1)).toBeGreaterThan(max);
  }
  expect(largestAttachmentPlaintext(40)).toBe(-1);
  expect(largestAttachmentPlaintext(100 * 1024 * 1024)).toBeLessThan(100 * 1024 * 1024);
});
