import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type ChatKey, initCrypto, randomBytes, randomId, toBase64Url } from '../../../common/crypto';
import { ATTACHMENTS_PATH } from '../../../common/contract';
import { startChat } from '../../../mobile-pairing/src/core/chats';
import { uploadBlob, AttachmentTransferError } from '../../../desktop/src/core/attachments/blob-transfer';
import { CuttingProxy } from '../../../e2e/support/cutting-proxy';
import { dbSnapshot } from './db-snapshot';
import { raw, signUpPhone } from './phone';
import { receiveFile, sendFileMessage, writeFile } from './attachment-sender';
import { startTestServer, type TestServer } from './test-server';

const MAX = 4 * 1024 * 1024;
const QUOTA = 12 * 1024 * 1024;

/**
 * One blob store as the contract suite sees it: how to start a server on it, and how to look inside it
 * (through the store's own medium — files, rows, the S3 API — never through the server under test).
 */
export interface StoreUnderTest {
  /** Extra server environment (ATTACHMENT_STORE and its settings). */
  env(): Record<string, string>;
  /** Everything the store holds now (file names, rows, keys), to compare before and after a refused request. */
  contents(server: TestServer): Promise<string[]>;
  /** A finished blob's bytes as the store holds them, or null. */
  blobBytes(server: TestServer, id: string): Promise<Buffer | null>;
  /** Whether anything of `id` is left: bytes, upload records, an in-progress (multipart) upload. */
  holdsAnything(server: TestServer, id: string): Promise<boolean>;
}

/** A raw tus creation request (what a hostile or buggy client could send). */
export async function createUpload(
  server: TestServer,
  token: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(server.url + ATTACHMENTS_PATH, {
    method: 'POST',
    headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${token}`, ...headers },
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

export function idMetadata(id: string): string {
  return `id ${Buffer.from(id).toString('base64')}`;
}

/**
 * The attachment contract every blob store passes (server/test/attachments*.test.ts run it against the
 * directory, database and S3 stores): round trip and ranges, access, bad input stores nothing, quota,
 * binding, a cut upload and a cut download resume, collection, termination, refusals as typed errors.
 */
export function attachmentContract(store: () => StoreUnderTest): void {
  let server: TestServer;
  let work: string;
  let alice: Awaited<ReturnType<typeof signUpPhone>>;
  let bob: Awaited<ReturnType<typeof signUpPhone>>;
  let carol: Awaited<ReturnType<typeof signUpPhone>>;

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer({
      MAX_ATTACHMENT_BYTES: String(MAX),
      ATTACHMENT_QUOTA_BYTES: String(QUOTA),
      ...store().env(),
    });
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'symc-attachments-'));
    alice = await signUpPhone(server, 'alice');
    bob = await signUpPhone(server, 'bob');
    carol = await signUpPhone(server, 'carol');
  });

  afterAll(async () => {
    await server.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  const token = (who: typeof alice) => () => who.session.tokens.accessToken;

  async function chatWithBob() {
    return startChat(alice.api, alice.session, { title: 'files', memberUsernames: [bob.session.username] });
  }

  const create = (headers: Record<string, string>, who = alice) =>
    createUpload(server, who.session.tokens.accessToken, headers);

  describe('attachments', () => {
    /** Alice seals, uploads and sends `file` in the chat (the client path every test here starts from). */
    const aliceSends = (chatId: string, chatKey: ChatKey, file: string) =>
      sendFileMessage(alice.api, alice.session, { baseUrl: server.url }, chatId, chatKey, file, work);

    it('round trip: alice uploads and sends, bob (a member) downloads and opens it; ranges work', async () => {
      const { chat, chatKey } = await chatWithBob();
      const bytes = randomBytes(300_000);
      const file = writeFile(work, 'photo.bin', bytes);
      const sent = await aliceSends(chat.chatId, chatKey, file);
      const opened = await receiveFile({ baseUrl: server.url, accessToken: token(bob) }, sent, work);
      expect(Buffer.compare(fs.readFileSync(opened), Buffer.from(bytes))).toBe(0);

      const url = `${server.url}${ATTACHMENTS_PATH}/${sent.ref.id}`;
      const auth = { authorization: `Bearer ${bob.session.tokens.accessToken}` };
      const part = await fetch(url, { headers: { ...auth, range: 'bytes=10-19' } });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes 10-19/${fs.statSync(sent.blobPath).size}`);
      expect(Buffer.from(await part.arrayBuffer())).toEqual(fs.readFileSync(sent.blobPath).subarray(10, 20));
      const bad = await fetch(url, { headers: { ...auth, range: 'bytes=999999999-' } });
      expect(bad.status).toBe(416);
      expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('range_not_satisfiable');
    });

    it("another user's blob answers 404 (not a member of any chat naming it), even with its id", async () => {
      const { chat, chatKey } = await chatWithBob();
      const file = writeFile(work, 'private.bin', randomBytes(5000));
      const sent = await aliceSends(chat.chatId, chatKey, file);
      const asCarol = await raw(server, 'GET', `${ATTACHMENTS_PATH}/${sent.ref.id}`, {
        token: carol.session.tokens.accessToken,
      });
      expect(asCarol.status).toBe(404);
      expect(asCarol.body.error.code).toBe('not_found');
      const unknown = await raw(server, 'GET', `${ATTACHMENTS_PATH}/${randomId()}`, {
        token: bob.session.tokens.accessToken,
      });
      expect(unknown.status).toBe(404);
      const noToken = await raw(server, 'GET', `${ATTACHMENTS_PATH}/${sent.ref.id}`);
      expect(noToken.status).toBe(401);
      // Carol can't resume, append to or delete it either.
      const head = await fetch(`${server.url}${ATTACHMENTS_PATH}/${sent.ref.id}`, {
        method: 'HEAD',
        headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${carol.session.tokens.accessToken}` },
      });
      expect(head.status).toBe(404);
    });

    it('bad uploads get a clear 4xx JSON error and store nothing', async () => {
      const before = dbSnapshot(server.dbFile);
      const storedBefore = await store().contents(server);
      const id = randomId();
      const cases: Array<[Record<string, string>, number, string]> = [
        [{ 'upload-length': String(MAX + 1), 'upload-metadata': idMetadata(id) }, 413, 'payload_too_large'],
        [
          {
            'upload-length': '1000',
            'upload-metadata': `${idMetadata(id)},filename ${Buffer.from('a.jpg').toString('base64')}`,
          },
          400,
          'validation_failed',
        ],
        [{ 'upload-length': '1000' }, 400, 'validation_failed'],
        [{ 'upload-length': '1000', 'upload-metadata': idMetadata('not-a-uuid') }, 400, 'validation_failed'],
        [{ 'upload-length': '-5', 'upload-metadata': idMetadata(id) }, 400, 'validation_failed'],
        [{ 'upload-length': '10', 'upload-metadata': idMetadata(id) }, 400, 'validation_failed'],
        [{ 'upload-defer-length': '1', 'upload-metadata': idMetadata(id) }, 400, 'validation_failed'],
      ];
      for (const [headers, status, code] of cases) {
        const answer = await create(headers);
        expect([headers, answer.status]).toEqual([headers, status]);
        expect((answer.body as { error: { code: string } }).error.code).toBe(code);
      }
      const unauthenticated = await fetch(server.url + ATTACHMENTS_PATH, {
        method: 'POST',
        headers: { 'tus-resumable': '1.0.0', 'upload-length': '1000', 'upload-metadata': idMetadata(id) },
      });
      expect(unauthenticated.status).toBe(401);
      expect(dbSnapshot(server.dbFile)).toEqual(before);
      expect(await store().contents(server)).toEqual(storedBefore);
    });

    it('the quota counts every blob of the account; beyond it, 413 quota_exceeded', async () => {
      const dave = await signUpPhone(server, 'dave');
      const first = await create({ 'upload-length': String(MAX), 'upload-metadata': idMetadata(randomId()) }, dave);
      expect(first.status).toBe(201);
      const second = await create({ 'upload-length': String(MAX), 'upload-metadata': idMetadata(randomId()) }, dave);
      expect(second.status).toBe(201);
      const third = await create({ 'upload-length': String(MAX), 'upload-metadata': idMetadata(randomId()) }, dave);
      expect(second.status).toBe(201);
      expect(third.status).toBe(201);
      const over = await create({ 'upload-length': String(1024), 'upload-metadata': idMetadata(randomId()) }, dave);
      expect(over.status).toBe(413);
      expect((over.body as { error: { code: string } }).error.code).toBe('quota_exceeded');
    });

    it("a message can't name someone else's blob, an unfinished upload or one already sent: 400, nothing stored", async () => {
      const { chat, chatKey } = await chatWithBob();
      const file = writeFile(work, 'x.bin', randomBytes(2000));
      const sent = await aliceSends(chat.chatId, chatKey, file);
      const unfinished = randomId();
      expect((await create({ 'upload-length': '5000', 'upload-metadata': idMetadata(unfinished) }, bob)).status).toBe(
        201,
      );
      const before = dbSnapshot(server.dbFile);
      for (const [who, ids] of [
        [bob, [sent.ref.id]],
        [bob, [unfinished]],
        [alice, [sent.ref.id]],
        [bob, [randomId()]],
      ] as const) {
        const answer = await raw(server, 'POST', `/chats/${chat.chatId}/messages`, {
          token: who.session.tokens.accessToken,
          body: {
            messageId: randomId(),
            clientKey: `k${randomId()}`,
            ciphertext: `v1.${toBase64Url(randomBytes(24))}.${toBase64Url(randomBytes(40))}`,
            attachmentIds: ids,
          },
        });
        expect(answer.status).toBe(400);
        expect(answer.body.error.message).toMatch(/attachment/);
      }
      expect(dbSnapshot(server.dbFile)).toEqual(before);
    });

    it('an upload cut midway resumes at the server offset instead of starting over', async () => {
      const proxy = await new CuttingProxy(server.server.port).start();
      try {
        const bytes = randomBytes(MAX - 1024);
        const blob = writeFile(work, 'cut-upload.blob', bytes);
        const id = randomId();
        let cut = false;
        let resumedFrom: number | null = null;
        let lastBeforeCut = 0;
        await uploadBlob(
          {
            baseUrl: `http://127.0.0.1:${proxy.port}`,
            accessToken: token(alice),
            retryDelays: [50, 100, 200],
            onProgress: ({ done }) => {
              if (!cut && done > bytes.length / 2) {
                cut = true;
                lastBeforeCut = done;
                proxy.cutAll();
              } else if (cut && resumedFrom === null && done < lastBeforeCut) resumedFrom = done;
            },
          },
          id,
          blob,
        );
        expect(cut).toBe(true);
        // Cut past half-way: starting over would have sent at least 1.5 times the blob. Resuming sends it
        // about once (plus what was in flight at the cut and the requests' headers).
        expect(proxy.bytesUp).toBeLessThan(bytes.length * 1.3);
        if (resumedFrom !== null) expect(resumedFrom).toBeGreaterThan(bytes.length / 4);
        expect(Buffer.compare((await store().blobBytes(server, id))!, Buffer.from(bytes))).toBe(0);
        const row = await server.server.deps.db.attachment.findUnique({ where: { id } });
        expect(row?.status).toBe('complete');
      } finally {
        await proxy.stop();
      }
    });

    it('a download cut midway resumes with a Range from the bytes already on disk', async () => {
      const { chat, chatKey } = await chatWithBob();
      const bytes = randomBytes(2 * 1024 * 1024);
      const file = writeFile(work, 'cut-download.bin', bytes);
      const sent = await aliceSends(chat.chatId, chatKey, file);
      const proxy = await new CuttingProxy(server.server.port).start();
      try {
        let seen = 0;
        proxy.inspect = (chunk) => {
          seen += chunk.length;
          if (proxy.cuts === 0 && seen > 1024 * 1024) return Math.max(0, chunk.length - (seen - 1024 * 1024));
          return null;
        };
        const progress: number[] = [];
        const opened = await receiveFile(
          {
            baseUrl: `http://127.0.0.1:${proxy.port}`,
            accessToken: token(bob),
            retryDelays: [20, 50],
            onProgress: ({ done }) => progress.push(done),
          },
          sent,
          work,
        );
        expect(proxy.cuts).toBe(1);
        expect(Buffer.compare(fs.readFileSync(opened), Buffer.from(bytes))).toBe(0);
        // After the cut, progress never went back to zero: the second request began where the file stopped.
        const restartedFromZero = progress.slice(1).some((done, i) => done === 0 && (progress[i] ?? 0) > 0);
        expect(restartedFromZero).toBe(false);
      } finally {
        await proxy.stop();
      }
    });

    it('collects abandoned uploads, unsent blobs and blobs of deleted messages — bytes and rows', async () => {
      const db = server.server.deps.db;
      const { chat, chatKey } = await chatWithBob();
      const file = writeFile(work, 'gc.bin', randomBytes(3000));
      const sent = await aliceSends(chat.chatId, chatKey, file);
      const abandoned = randomId();
      expect((await create({ 'upload-length': '5000', 'upload-metadata': idMetadata(abandoned) })).status).toBe(201);
      const unsent = randomId();
      const unsentBlob = writeFile(work, 'unsent.blob', randomBytes(100));
      await uploadBlob({ baseUrl: server.url, accessToken: token(alice) }, unsent, unsentBlob);

      // Within the TTL nothing goes; the sent blob stays whatever the time.
      const now = await server.server.attachmentCollector.runOnce();
      expect(now).toEqual({ abandonedUploads: 0, unsent: 0, ofDeletedMessages: 0 });
      const later = await server.server.attachmentCollector.runOnce(new Date(Date.now() + 25 * 3600_000));
      expect(later.abandonedUploads).toBeGreaterThanOrEqual(1);
      expect(later.unsent).toBeGreaterThanOrEqual(1);
      for (const id of [abandoned, unsent]) {
        expect(await db.attachment.findUnique({ where: { id } })).toBeNull();
        expect(await store().holdsAnything(server, id)).toBe(false);
      }
      expect(await store().blobBytes(server, sent.ref.id)).toEqual(fs.readFileSync(sent.blobPath));

      // The message goes (as a message deletion will do it): its blob follows on the next pass.
      await db.message.delete({ where: { id: sent.messageId } });
      const afterDelete = await server.server.attachmentCollector.runOnce();
      expect(afterDelete.ofDeletedMessages).toBe(1);
      expect(await db.attachment.findUnique({ where: { id: sent.ref.id } })).toBeNull();
      expect(await store().holdsAnything(server, sent.ref.id)).toBe(false);
    });

    it('the uploader may give up an unsent upload (tus termination), not a sent one', async () => {
      const { chat, chatKey } = await chatWithBob();
      const file = writeFile(work, 'term.bin', randomBytes(1000));
      const sent = await aliceSends(chat.chatId, chatKey, file);
      const del = (id: string, who = alice) =>
        fetch(`${server.url}${ATTACHMENTS_PATH}/${id}`, {
          method: 'DELETE',
          headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${who.session.tokens.accessToken}` },
        });
      expect((await del(sent.ref.id)).status).toBe(409);
      const pending = randomId();
      expect((await create({ 'upload-length': '5000', 'upload-metadata': idMetadata(pending) })).status).toBe(201);
      expect((await del(pending, bob)).status).toBe(404);
      expect((await del(pending)).status).toBe(204);
      expect(await server.server.deps.db.attachment.findUnique({ where: { id: pending } })).toBeNull();
      expect(await store().holdsAnything(server, pending)).toBe(false);
    });

    it('upload refusals reach the client as AttachmentTransferError with our code', async () => {
      const big = writeFile(work, 'big.blob', randomBytes(MAX + 10));
      await expect(
        uploadBlob({ baseUrl: server.url, accessToken: token(alice) }, randomId(), big),
      ).rejects.toMatchObject({
        constructor: AttachmentTransferError,
        status: 413,
        code: 'payload_too_large',
      });
    });
  });
}
