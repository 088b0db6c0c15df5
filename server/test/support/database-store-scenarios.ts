import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomId } from '../../../common/crypto';
import { ATTACHMENTS_PATH } from '../../../common/contract';
import { startChat } from '../../../mobile-pairing/src/core/chats';
import { DATABASE_CHUNK_BYTES } from '../../src/modules/attachments/blob-store';
import { signUpPhone } from './phone';
import { receiveFile, sendFileMessage, writeFile } from './attachment-sender';
import type { TestServer } from './test-server';

/** A tus request by hand, so a test decides exactly which instance gets which bytes. */
export async function tus(
  server: TestServer,
  token: string,
  method: 'POST' | 'HEAD' | 'PATCH',
  urlPath: string,
  headers: Record<string, string> = {},
  body?: Uint8Array,
): Promise<Response> {
  return fetch(server.url + urlPath, {
    method,
    headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${token}`, ...headers },
    ...(body ? { body } : {}),
  });
}

/**
 * The database blob store's behaviour, shared by the SQLite run (npm test) and the PostgreSQL run
 * (npm run test:pg). `servers()` gives one or two instances on the same database.
 */
export function databaseStoreScenarios(servers: () => { a: TestServer; b: TestServer }): void {
  let work: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'symc-db-store-'));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('round trip through chunks in the database: sealed, sent, received and opened by a member', async () => {
    const { a, b } = servers();
    const alice = await signUpPhone(a, 'dbalice');
    const bob = await signUpPhone(a, 'dbbob');
    const { chat, chatKey } = await startChat(alice.api, alice.session, {
      title: 'db',
      memberUsernames: [bob.session.username],
    });
    const bytes = randomBytes(3 * DATABASE_CHUNK_BYTES + 12_345);
    const file = writeFile(work, 'db.bin', bytes);
    const sent = await sendFileMessage(alice.api, alice.session, { baseUrl: a.url }, chat.chatId, chatKey, file, work);
    const opened = await receiveFile({ baseUrl: b.url, accessToken: () => bob.session.tokens.accessToken }, sent, work);
    expect(Buffer.compare(fs.readFileSync(opened), Buffer.from(bytes))).toBe(0);
    const chunks = await a.server.deps.db.attachmentChunk.count({ where: { attachmentId: sent.ref.id } });
    expect(chunks).toBeGreaterThanOrEqual(4);
    // Ranges across chunk boundaries.
    const blob = fs.readFileSync(sent.blobPath);
    const from = DATABASE_CHUNK_BYTES - 10;
    const to = 2 * DATABASE_CHUNK_BYTES + 10;
    const part = await fetch(`${b.url}${ATTACHMENTS_PATH}/${sent.ref.id}`, {
      headers: { authorization: `Bearer ${bob.session.tokens.accessToken}`, range: `bytes=${from}-${to}` },
    });
    expect(part.status).toBe(206);
    expect(Buffer.compare(Buffer.from(await part.arrayBuffer()), blob.subarray(from, to + 1))).toBe(0);

    // The message is deleted: the collector removes the chunks with the row.
    await a.server.deps.db.message.delete({ where: { id: sent.messageId } });
    expect((await b.server.attachmentCollector.runOnce()).ofDeletedMessages).toBe(1);
    expect(await a.server.deps.db.attachmentChunk.count({ where: { attachmentId: sent.ref.id } })).toBe(0);
  });

  it('an upload begun on one instance resumes on another at the stored offset', async () => {
    const { a, b } = servers();
    const alice = await signUpPhone(a, 'dbresume');
    const token = alice.session.tokens.accessToken;
    const id = randomId();
    const bytes = randomBytes(DATABASE_CHUNK_BYTES + 1000);
    const meta = `id ${Buffer.from(id).toString('base64')}`;
    const created = await tus(a, token, 'POST', ATTACHMENTS_PATH, {
      'upload-length': String(bytes.length),
      'upload-metadata': meta,
    });
    expect(created.status).toBe(201);
    const first = bytes.subarray(0, 700_000);
    const patched = await tus(
      a,
      token,
      'PATCH',
      `${ATTACHMENTS_PATH}/${id}`,
      { 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      first,
    );
    expect(patched.status).toBe(204);
    const head = await tus(b, token, 'HEAD', `${ATTACHMENTS_PATH}/${id}`);
    expect(head.headers.get('upload-offset')).toBe(String(first.length));
    // A PATCH at a stale offset is refused: the other instance's bytes are never overwritten.
    const stale = await tus(
      b,
      token,
      'PATCH',
      `${ATTACHMENTS_PATH}/${id}`,
      { 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      first,
    );
    expect(stale.status).toBe(409);
    const rest = await tus(
      b,
      token,
      'PATCH',
      `${ATTACHMENTS_PATH}/${id}`,
      { 'upload-offset': String(first.length), 'content-type': 'application/offset+octet-stream' },
      bytes.subarray(first.length),
    );
    expect(rest.status).toBe(204);
    const row = await a.server.deps.db.attachment.findUnique({ where: { id } });
    expect(row?.status).toBe('complete');
    const whole = await fetch(`${a.url}${ATTACHMENTS_PATH}/${id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(Buffer.compare(Buffer.from(await whole.arrayBuffer()), Buffer.from(bytes))).toBe(0);
  });
}
