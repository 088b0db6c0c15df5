import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initCrypto, randomBytes, utf8 } from '../../../../common/crypto';
import { startChat } from '../../../../mobile-pairing/src/core/chats';
import { signUpPhone } from '../../../../server/test/support/phone';
import { sendFileMessage, writeFile } from '../../../../server/test/support/attachment-sender';
import { startTestServer, type TestServer } from '../../../../server/test/support/test-server';
import { AttachmentCache, AttachmentError } from './attachment-cache';

let server: TestServer;
let work: string;
let cacheDir: string;

beforeAll(async () => {
  await initCrypto();
  server = await startTestServer();
});
afterAll(() => server.stop());
beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'symc-cache-work-'));
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'symc-cache-'));
});
afterEach(() => {
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(cacheDir, { recursive: true, force: true });
});

async function chatWithFiles(files: Array<{ name: string; bytes: Uint8Array }>) {
  const alice = await signUpPhone(server, 'cachealice');
  const bob = await signUpPhone(server, 'cachebob');
  const { chat, chatKey } = await startChat(alice.api, alice.session, {
    title: 'cache',
    memberUsernames: [bob.session.username],
  });
  const sent = [];
  for (const f of files) {
    const file = writeFile(work, `src-${sent.length}`, f.bytes);
    sent.push(
      await sendFileMessage(alice.api, alice.session, { baseUrl: server.url }, chat.chatId, chatKey, file, work, {
        name: f.name,
      }),
    );
  }
  return { bob, sent, transfer: { baseUrl: server.url, accessToken: () => bob.session.tokens.accessToken } };
}

it('caches blobs encrypted, counts them, evicts least recently used first and by chat; no plaintext on disk', async () => {
  const canary = 'CANARY-CACHE-77ab01';
  const { sent, transfer } = await chatWithFiles([
    { name: `${canary}-one.txt`, bytes: utf8.encode(canary.repeat(5000)) },
    { name: `${canary}-two.txt`, bytes: utf8.encode(canary.repeat(3000)) },
  ]);
  const cache = new AttachmentCache(cacheDir);
  const [one, two] = sent as [(typeof sent)[0], (typeof sent)[0]];
  await cache.fetch(one.ref, one.context, transfer);
  await cache.fetch(two.ref, two.context, transfer);
  const sizes = [fs.statSync(one.blobPath).size, fs.statSync(two.blobPath).size];
  expect(cache.bytes()).toBe(sizes[0]! + sizes[1]!);

  // Opening decrypts to where the user asked; the cache keeps only the ciphertext.
  const saved = path.join(work, 'saved.txt');
  await cache.open(one.ref, one.context, transfer, saved);
  expect(fs.readFileSync(saved, 'utf8')).toBe(canary.repeat(5000));
  for (const name of fs.readdirSync(cacheDir)) {
    const bytes = fs.readFileSync(path.join(cacheDir, name));
    expect(name).not.toContain('CANARY');
    expect(bytes.includes(Buffer.from(canary))).toBe(false);
  }

  // A restart finds the same blobs; `one` was used last, so `two` goes first.
  const again = new AttachmentCache(cacheDir);
  expect(again.bytes()).toBe(cache.bytes());
  expect(await cache.evictTo(sizes[0]!)).toEqual([two.ref.id]);
  expect(cache.bytes()).toBe(sizes[0]);
  await cache.evictChat(one.context.chatId);
  expect(cache.bytes()).toBe(0);
  expect(fs.readdirSync(cacheDir)).toEqual([]);
});

it('a blob tampered with on the server is refused as damaged and nothing is cached', async () => {
  const { sent, transfer } = await chatWithFiles([{ name: 'photo.jpg', bytes: randomBytes(200_000) }]);
  const item = sent[0]!;
  const onServer = path.join(server.dataDir, 'attachments', item.ref.id);
  const bytes = fs.readFileSync(onServer);
  bytes[100_000] = (bytes[100_000] ?? 0) ^ 0x40;
  fs.writeFileSync(onServer, bytes);
  const cache = new AttachmentCache(cacheDir);
  await expect(cache.fetch(item.ref, item.context, transfer)).rejects.toMatchObject({
    constructor: AttachmentError,
    problem: 'damaged',
  });
  expect(cache.bytes()).toBe(0);
  expect(fs.readdirSync(cacheDir)).toEqual([]);
});

it('a cached blob cut short on disk is refused as damaged on open, dropped, and fetched again next time', async () => {
  const { sent, transfer } = await chatWithFiles([{ name: 'doc.pdf', bytes: randomBytes(150_000) }]);
  const item = sent[0]!;
  const cache = new AttachmentCache(cacheDir);
  const blob = await cache.fetch(item.ref, item.context, transfer);
  fs.truncateSync(blob, fs.statSync(blob).size - 30);
  const dest = path.join(work, 'out.pdf');
  await expect(cache.open(item.ref, item.context, transfer, dest)).rejects.toMatchObject({ problem: 'damaged' });
  expect(fs.existsSync(dest)).toBe(false);
  expect(fs.existsSync(`${dest}.partial`)).toBe(false);
  expect(cache.has(item.ref.id)).toBe(false);
  await cache.open(item.ref, item.context, transfer, dest);
  expect(fs.statSync(dest).size).toBe(150_000);
});
