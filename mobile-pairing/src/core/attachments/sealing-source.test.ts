import {
  attachmentCiphertextSize,
  CheckedAttachmentDecryptor,
  generateAttachmentKey,
  initCrypto,
  randomBytes,
  randomId,
} from '../../../../common/crypto';
import { SealingSource } from './sealing-source';

const KB = 1024;
let context: { chatId: string; messageId: string; attachmentId: string };

beforeAll(async () => {
  await initCrypto();
  context = { chatId: randomId(), messageId: randomId(), attachmentId: randomId() };
});

/** Reads the whole blob the way tus does: pieces of `piece` bytes, each asked for once. */
async function readAll(source: SealingSource, piece: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let at = 0; at < source.size; at += piece) {
    const { value, done } = await source.slice(at, at + piece);
    expect(value.size).toBe(value.length);
    expect(done).toBe(at + value.length >= source.size);
    parts.push(Buffer.from(value));
  }
  return Buffer.concat(parts);
}

describe('SealingSource: the blob sealed from the file as tus asks for it', () => {
  it('is exactly the declared length, and opens to the file under the digest it reports', async () => {
    for (const [size, piece] of [
      [0, 100],
      [1, 7],
      [64 * KB, 64 * KB + 17],
      [3 * 1024 * KB + 5, 1000 * KB],
    ] as const) {
      const key = generateAttachmentKey();
      const plain = randomBytes(size);
      const source = new SealingSource(new Blob([plain]), key, context);
      const blob = await readAll(source, piece);
      expect(blob.length).toBe(attachmentCiphertextSize(size));
      expect(source.digest).not.toBeNull();
      const decryptor = new CheckedAttachmentDecryptor(key, context, { size, digest: source.digest! });
      const opened = Buffer.concat([...decryptor.push(blob), ...decryptor.finish()]);
      expect(Buffer.compare(opened, Buffer.from(plain))).toBe(0);
    }
  });

  it('gives a cut piece again from where the server stopped, but not bytes before the piece', async () => {
    const plain = randomBytes(600 * KB);
    const source = new SealingSource(new Blob([plain]), generateAttachmentKey(), context);
    const first = (await source.slice(0, 200 * KB)).value;
    const second = (await source.slice(200 * KB, 400 * KB)).value;
    // The server stored part of the second piece before the cut: tus resumes at its offset.
    const again = (await source.slice(250 * KB, 450 * KB)).value;
    expect(Buffer.compare(Buffer.from(again.subarray(0, 150 * KB)), Buffer.from(second.subarray(50 * KB)))).toBe(0);
    await expect(source.slice(100 * KB, 300 * KB)).rejects.toThrow(/can’t go back/);
    expect(first.length).toBe(200 * KB);
  });

  it('refuses a server that claims bytes it was never sent', async () => {
    const source = new SealingSource(new Blob([randomBytes(300 * KB)]), generateAttachmentKey(), context);
    await source.slice(0, 100 * KB);
    await expect(source.slice(150 * KB, 250 * KB)).rejects.toMatchObject({
      kind: 'refused',
      message: /claimed to have parts of the file it was never sent/,
    });
  });

  it('refuses a file that changed while it was read', async () => {
    const shrinking = {
      size: 2 * 1024 * KB,
      slice: (start: number, end: number) =>
        new Blob([randomBytes(Math.max(0, Math.min(end, 1024 * KB + 10) - start))]),
    };
    const source = new SealingSource(shrinking, generateAttachmentKey(), context);
    await expect(readAll(source, 4 * 1024 * KB)).rejects.toMatchObject({ kind: 'failed', message: /changed while/ });
  });
});
