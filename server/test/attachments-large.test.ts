import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initCrypto } from '../../common/crypto';
import { startChat } from '../../mobile-pairing/src/core/chats';
import { signUpPhone } from './support/phone';
import { receiveFile, sendFileMessage } from './support/attachment-sender';
import { S3RVER_CREDENTIALS, startS3TestServer, type S3TestServer } from './support/s3-test-server';
import { startTestServer, type TestServer } from './support/test-server';

const SIZE = 50 * 1024 * 1024 + 12_345;

let server: TestServer;
let work: string;
let s3: S3TestServer;

beforeAll(async () => {
  await initCrypto();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'symc-attachments-large-'));
  Object.assign(process.env, S3RVER_CREDENTIALS);
  s3 = await startS3TestServer();
});

afterAll(async () => {
  await s3.dispose();
  fs.rmSync(work, { recursive: true, force: true });
});

/** Writes `size` pseudo-random bytes to a file, 1 MiB at a time; returns the file and its SHA-256. */
function bigFile(size: number): { file: string; sha256: string } {
  const file = path.join(work, 'big.bin');
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'w');
  for (let written = 0; written < size;) {
    const piece = crypto.randomBytes(Math.min(1024 * 1024, size - written));
    hash.update(piece);
    fs.writeSync(fd, piece);
    written += piece.length;
  }
  fs.closeSync(fd);
  return { file, sha256: hash.digest('hex') };
}

function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

// The directory store, and the S3 store (s3rver runs in this process too: its memory is in the peak).
describe.each([
  { store: 'directory', env: () => ({}) },
  { store: 's3', env: () => s3.env() },
])('$store store', ({ env }) => {
  beforeAll(async () => {
    server = await startTestServer(env());
  });
  afterAll(() => server.stop());

  it('a 50 MB file goes sealed → uploaded → downloaded → opened, streamed, with memory far below its size', async () => {
    const alice = await signUpPhone(server, 'bigalice');
    const bob = await signUpPhone(server, 'bigbob');
    const { chat, chatKey } = await startChat(alice.api, alice.session, {
      title: 'big',
      memberUsernames: [bob.session.username],
    });
    const { file, sha256 } = bigFile(SIZE);

    // Client and server run in this one process: the peak covers both ends of the transfer.
    global.gc?.();
    const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const baseline = used();
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, used());
    }, 10);
    try {
      const sent = await sendFileMessage(
        alice.api,
        alice.session,
        { baseUrl: server.url },
        chat.chatId,
        chatKey,
        file,
        work,
      );
      const opened = await receiveFile(
        { baseUrl: server.url, accessToken: () => bob.session.tokens.accessToken },
        sent,
        work,
      );
      peak = Math.max(peak, used());
      expect(sent.ref.size).toBe(SIZE);
      expect(sha256File(opened)).toBe(sha256);
    } finally {
      clearInterval(sampler);
    }
    // The upload buffers one tus request (8 MiB) and everything else streams in 64–512 KiB pieces; the rest of
    // the growth is garbage not yet collected. Holding the file or the blob in memory anywhere (on either end)
    // would add at least 50 MB on top of that.
    expect(peak - baseline).toBeLessThan(SIZE * 0.8);
  });
});
