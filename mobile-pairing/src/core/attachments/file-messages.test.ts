import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ApiClient, AuthTokens } from '../../../../common/contract';
import type { AttachmentRef } from '../../../../common/content';
import { generateAttachmentKey, initCrypto, randomBytes, randomId, toBase64Url } from '../../../../common/crypto';
import { receiveFile, sendFileMessage, writeFile } from '../../../../server/test/support/attachment-sender';
import { signUpPhone } from '../../../../server/test/support/phone';
import { startTestServer, type TestServer } from '../../../../server/test/support/test-server';
import { CuttingProxy } from '../../../../e2e/support/cutting-proxy';
import { chatKeyFor, type KeyOrKeys, readMessage, startChat } from '../chats';
import { createPhoneClient } from '../phone-client';
import { AttachmentProblem } from './attachment-problem';
import type { BlobTransport } from './blob-transport';
import { downloadAttachment } from './blob-download';
import { UPLOAD_PIECE_BYTES, uploadSealed } from './blob-upload';
import { MAX_FILE_BYTES, sendFile, thumbnailOf } from './file-messages';
import { SealingSource } from './sealing-source';

const MB = 1024 * 1024;
/** A real PNG signature: enough for the thumbnail check (the phone web app makes real JPEGs with a canvas). */
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);

interface Phone {
  readonly session: Awaited<ReturnType<typeof signUpPhone>>['session'];
  readonly api: ApiClient;
  readonly transport: BlobTransport;
}

/** A phone with the refreshing client the web app uses, and its blob transport (optionally through a proxy). */
async function phone(server: TestServer, name: string, baseUrl = server.url): Promise<Phone> {
  const signedUp = await signUpPhone(server, name);
  let tokens: AuthTokens | null = signedUp.session.tokens;
  const api = createPhoneClient({
    baseUrl: server.url,
    tokens: () => tokens,
    onTokens: (t) => {
      tokens = t;
    },
    onSessionEnded: () => {
      tokens = null;
    },
  });
  const transport: BlobTransport = {
    baseUrl,
    accessToken: () => tokens?.accessToken ?? null,
    renewToken: async () => {
      await api.call('me', {});
    },
  };
  return { session: signedUp.session, api, transport };
}

async function chatBetween(alice: Phone, bob: Phone, title = 'Files') {
  const { chat, chatKey } = await startChat(alice.api, alice.session, {
    title,
    memberUsernames: [bob.session.username],
  });
  const bobKey = await chatKeyFor(
    bob.api,
    bob.session,
    await bob.api.call('getChat', { params: { chatId: chat.chatId } }),
  );
  return { chatId: chat.chatId, aliceKey: chatKey, bobKey };
}

/** The file message as a recipient reads it: the body's attachment and its context. */
async function received(reader: Phone, chatId: string, messageId: string, key: KeyOrKeys) {
  const { messages } = await reader.api.call('listMessages', { params: { chatId }, query: { limit: 50 } });
  const record = messages.find((m) => m.messageId === messageId)!;
  const ref: AttachmentRef = readMessage(record, key).attachments![0]!;
  return { ref, context: { chatId, messageId, attachmentId: ref.id } };
}

const concat = (parts: Uint8Array[]) => Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.length)));
const attachmentRows = (server: TestServer, userId: string) =>
  server.server.deps.db.attachment.count({ where: { ownerUserId: userId } });

describe('files from the phone: sealed as they upload, opened only when whole and unchanged', () => {
  let server: TestServer;
  let work: string;
  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'symc-phone-files-'));
  });
  afterAll(async () => {
    await server.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('a 9 MB file goes in slices (bounded memory), the recipient phone and a desktop both open it exactly', async () => {
    const alice = await phone(server, 'pfalice');
    const bob = await phone(server, 'pfbob');
    const { chatId, aliceKey, bobKey } = await chatBetween(alice, bob);
    const content = randomBytes(9 * MB + 12_345);
    const progress: number[] = [];
    const record = await sendFile(
      alice.api,
      alice.session,
      alice.transport,
      chatId,
      aliceKey,
      { file: new Blob([content]), name: 'C:\\Users\\alice\\report.pdf', mime: 'application/pdf' },
      { onProgress: (f) => progress.push(f) },
    );
    expect(progress.at(-1)).toBe(1);

    const { ref, context } = await received(bob, chatId, record.messageId, bobKey);
    expect(ref).toMatchObject({ name: 'report.pdf', mime: 'application/pdf', size: content.length });
    expect(ref.image).toBeUndefined();
    const opened = await downloadAttachment(bob.transport, ref, context, { rangeBytes: 3 * MB });
    expect(Buffer.compare(concat(opened), Buffer.from(content))).toBe(0);
    // The desktop's reader (its own download and open) takes the phone's blob as its own.
    const plainPath = await receiveFile(
      { baseUrl: server.url, accessToken: () => bob.transport.accessToken() },
      { ref, context },
      work,
    );
    expect(Buffer.compare(fs.readFileSync(plainPath), Buffer.from(content))).toBe(0);
  }, 60_000);

  it('the sealing holds about one upload piece of ciphertext and reads 1 MiB slices, whatever the file size', async () => {
    const alice = await phone(server, 'pfmem');
    const context = { chatId: randomId(), messageId: randomId(), attachmentId: randomId() };
    const source = new SealingSource(new Blob([randomBytes(20 * MB)]), generateAttachmentKey(), context);
    const { digest } = await uploadSealed(alice.transport, context.attachmentId, source);
    expect(digest).toBe(source.digest);
    expect(source.largestRead).toBe(MB);
    expect(source.peakHeldBytes).toBeGreaterThan(UPLOAD_PIECE_BYTES);
    expect(source.peakHeldBytes).toBeLessThanOrEqual(2 * UPLOAD_PIECE_BYTES + 2 * MB);
    // The server has the blob, whole (unnamed by any message yet).
    const row = await server.server.deps.db.attachment.findUnique({ where: { id: context.attachmentId } });
    expect(row).toMatchObject({ status: 'complete', size: BigInt(source.size) });
  }, 60_000);

  it('an image carries its dimensions and thumbnail; a thumbnail that is not its type is refused before upload', async () => {
    const alice = await phone(server, 'pfimg');
    const bob = await phone(server, 'pfimg2');
    const { chatId, aliceKey, bobKey } = await chatBetween(alice, bob);
    const thumbnail = toBase64Url(PNG);
    const before = await attachmentRows(server, alice.session.userId);
    await expect(
      sendFile(alice.api, alice.session, alice.transport, chatId, aliceKey, {
        file: new Blob([randomBytes(1000)]),
        name: 'photo.jpg',
        mime: 'image/jpeg',
        image: { width: 4000, height: 3000, thumbnail, thumbnailMime: 'image/jpeg' },
      }),
    ).rejects.toThrow(/preview can’t be sent: the thumbnail is not a image\/jpeg image/);
    expect(await attachmentRows(server, alice.session.userId)).toBe(before);

    const photo = randomBytes(200_000);
    const record = await sendFile(alice.api, alice.session, alice.transport, chatId, aliceKey, {
      file: new Blob([photo]),
      name: 'photo.jpg',
      mime: 'image/jpeg',
      image: { width: 4000, height: 3000, thumbnail, thumbnailMime: 'image/png' },
    });
    const { ref, context } = await received(bob, chatId, record.messageId, bobKey);
    expect(ref.image).toEqual({ width: 4000, height: 3000, thumbnail, thumbnailMime: 'image/png' });
    expect(thumbnailOf(ref)?.mime).toBe('image/png');
    expect(Buffer.from(thumbnailOf(ref)!.bytes)).toEqual(Buffer.from(PNG));
    // What a hostile sender could put there instead is not shown as an image.
    expect(thumbnailOf({ ...ref, image: { ...ref.image!, thumbnailMime: 'image/svg+xml' } })).toBeNull();
    expect(thumbnailOf({ ...ref, image: { ...ref.image!, thumbnailMime: 'image/jpeg' } })).toBeNull();
    expect(Buffer.compare(concat(await downloadAttachment(bob.transport, ref, context)), Buffer.from(photo))).toBe(0);
  }, 30_000);

  it('an oversize file is refused with a sentence before a byte is read or sent', async () => {
    const alice = await phone(server, 'pfbig');
    const bob = await phone(server, 'pfbig2');
    const { chatId, aliceKey } = await chatBetween(alice, bob);
    const unread = (size: number) => ({
      size,
      slice: () => {
        throw new Error('an oversize file was read');
      },
    });
    const send = (size: number) =>
      sendFile(alice.api, alice.session, alice.transport, chatId, aliceKey, {
        file: unread(size),
        name: 'movie.mp4',
        mime: 'video/mp4',
      }).catch((e: unknown) => e);
    const error = await send(150 * MB);
    expect(error).toBeInstanceOf(AttachmentProblem);
    expect(error).toMatchObject({ kind: 'too_large', message: 'It is 150 MB; files must be smaller than 100 MB.' });
    // Just over: its blob would pass the server's limit by a few bytes.
    expect(await send(MAX_FILE_BYTES + 1)).toMatchObject({ kind: 'too_large' });
    expect(await attachmentRows(server, alice.session.userId)).toBe(0);
  });

  it('a cut mid-upload resumes where the server stopped; an access token that expired is renewed', async () => {
    const proxy = await new CuttingProxy(server.server.port).start();
    try {
      const alice = await phone(server, 'pfcut', proxy.url);
      const bob = await phone(server, 'pfcut2');
      const { chatId, aliceKey, bobKey } = await chatBetween(alice, bob);
      await server.server.deps.db.session.updateMany({
        where: { deviceId: alice.session.deviceId },
        data: { accessExpiresAt: new Date(Date.now() - 1000) },
      });
      const content = randomBytes(12 * MB);
      let cut = false;
      const watcher = setInterval(() => {
        if (!cut && proxy.bytesUp > 6 * MB) {
          cut = true;
          proxy.cutAll();
        }
      }, 2);
      const record = await sendFile(
        alice.api,
        alice.session,
        alice.transport,
        chatId,
        aliceKey,
        { file: new Blob([content]), name: 'cut.bin', mime: '' },
        { retryDelays: [50, 100, 200, 400] },
      ).finally(() => clearInterval(watcher));
      expect(cut).toBe(true);
      // Resent at most the piece that was in flight, not the file.
      expect(proxy.bytesUp).toBeLessThan(content.length + UPLOAD_PIECE_BYTES + 256 * 1024);
      const { ref, context } = await received(bob, chatId, record.messageId, bobKey);
      expect(Buffer.compare(concat(await downloadAttachment(bob.transport, ref, context)), Buffer.from(content))).toBe(
        0,
      );
    } finally {
      await proxy.stop();
    }
  }, 60_000);

  it('a cut mid-download resumes at the first byte not received', async () => {
    const alice = await phone(server, 'pfdl');
    const proxy = await new CuttingProxy(server.server.port).start();
    try {
      const bob = await phone(server, 'pfdl2', proxy.url);
      const { chatId, aliceKey, bobKey } = await chatBetween(alice, bob);
      const content = randomBytes(5 * MB);
      const record = await sendFile(alice.api, alice.session, alice.transport, chatId, aliceKey, {
        file: new Blob([content]),
        name: 'dl.bin',
        mime: '',
      });
      const { ref, context } = await received(bob, chatId, record.messageId, bobKey);
      proxy.cutAfterBytes(2 * MB);
      const opened = await downloadAttachment(bob.transport, ref, context, { retryDelays: [50, 100] });
      expect(proxy.cuts).toBe(1);
      expect(Buffer.compare(concat(opened), Buffer.from(content))).toBe(0);
    } finally {
      await proxy.stop();
    }
  }, 30_000);

  it('the phone opens a file the desktop sealed', async () => {
    const alice = await phone(server, 'pfdesk');
    const bob = await phone(server, 'pfdesk2');
    const { chatId, aliceKey, bobKey } = await chatBetween(alice, bob);
    const content = randomBytes(700_000);
    const sent = await sendFileMessage(
      alice.api,
      alice.session,
      { baseUrl: server.url },
      chatId,
      aliceKey,
      writeFile(work, 'desk.bin', content),
      work,
      { name: 'desk.bin' },
    );
    const { ref, context } = await received(bob, chatId, sent.messageId, bobKey);
    expect(Buffer.compare(concat(await downloadAttachment(bob.transport, ref, context)), Buffer.from(content))).toBe(0);
  });
});
