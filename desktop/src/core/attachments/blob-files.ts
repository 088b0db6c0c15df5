import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import {
  type AttachmentContext,
  AttachmentDecryptor,
  AttachmentEncryptor,
  type AttachmentKey,
  CryptoError,
} from '../../../../common/crypto';

export interface SealedFile {
  readonly plainBytes: number;
  readonly blobBytes: number;
  /** BLAKE2b-256 of the blob, base64url (goes into the message body). */
  readonly digest: string;
}

/**
 * Encrypts `sourcePath` into `blobPath` as one secretstream blob, streaming: memory stays at a chunk or
 * two whatever the size. The blob is what gets uploaded and what the sender keeps in its encrypted cache.
 */
export async function sealFile(
  sourcePath: string,
  blobPath: string,
  key: AttachmentKey,
  context: AttachmentContext,
): Promise<SealedFile> {
  const encryptor = new AttachmentEncryptor(key, context);
  let blobBytes = 0;
  let digest = '';
  const out = fs.createWriteStream(blobPath, { flags: 'w' });
  await pipeline(
    fs.createReadStream(sourcePath, { highWaterMark: 256 * 1024 }),
    async function* (source: AsyncIterable<Buffer>) {
      for await (const piece of source) {
        for (const sealed of encryptor.push(piece)) {
          blobBytes += sealed.length;
          yield sealed;
        }
      }
      const end = encryptor.finish();
      for (const sealed of end.chunks) {
        blobBytes += sealed.length;
        yield sealed;
      }
      digest = end.digest;
    },
    out,
  );
  return { plainBytes: encryptor.plainBytes, blobBytes, digest };
}

export interface OpenExpectation {
  readonly size: number;
  readonly digest: string;
}

/**
 * Decrypts `blobPath` to `destPath`, streaming. Writes to a temporary name and renames only when the whole
 * blob authenticated, its digest matches the body's and its length is the body's size: a damaged or cut
 * blob leaves no plaintext behind, and the error (CryptoError `decrypt_failed`) says "damaged".
 */
export async function openBlobFile(
  blobPath: string,
  destPath: string,
  key: AttachmentKey,
  context: AttachmentContext,
  expect: OpenExpectation,
): Promise<void> {
  const temporary = `${destPath}.partial`;
  const decryptor = new AttachmentDecryptor(key, context);
  try {
    await pipeline(
      fs.createReadStream(blobPath, { highWaterMark: 256 * 1024 }),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const piece of source) yield* decryptor.push(piece);
        const end = decryptor.finish();
        yield* end.chunks;
        if (end.digest !== expect.digest) {
          throw new CryptoError('decrypt_failed', 'the attachment is not the one its message names (damaged)');
        }
        if (decryptor.plainBytes !== expect.size) {
          throw new CryptoError('decrypt_failed', 'the attachment has another size than its message says (damaged)');
        }
      },
      fs.createWriteStream(temporary, { flags: 'w', mode: 0o600 }),
    );
    await fsp.rename(temporary, destPath);
  } catch (error) {
    await fsp.rm(temporary, { force: true });
    throw error;
  }
}

/** Checks a blob completely (AEAD of every chunk, digest, size) without writing any plaintext. */
export async function verifyBlobFile(
  blobPath: string,
  key: AttachmentKey,
  context: AttachmentContext,
  expect: OpenExpectation,
): Promise<void> {
  const decryptor = new AttachmentDecryptor(key, context);
  await pipeline(
    fs.createReadStream(blobPath, { highWaterMark: 256 * 1024 }),
    new Writable({
      write(piece: Buffer, _encoding, done) {
        try {
          decryptor.push(piece);
          done();
        } catch (error) {
          done(error as Error);
        }
      },
    }),
  );
  const end = decryptor.finish();
  if (end.digest !== expect.digest || decryptor.plainBytes !== expect.size) {
    throw new CryptoError('decrypt_failed', 'the attachment is not the one its message names (damaged)');
  }
}
