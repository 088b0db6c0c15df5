import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initCrypto, randomBytes, randomId } from '../../common/crypto';
import { ATTACHMENTS_PATH, HealthReport } from '../../common/contract';
import { startChat } from '../../mobile-pairing/src/core/chats';
import { loadConfig } from '../src/config';
import { createUpload, idMetadata } from './support/attachment-contract';
import { receiveFile, sendFileMessage, writeFile } from './support/attachment-sender';
import { signUpPhone } from './support/phone';
import { filesUnder, S3RVER_CREDENTIALS, startS3TestServer, type S3TestServer } from './support/s3-test-server';
import { startTestServer, type TestServer } from './support/test-server';

/**
 * ATTACHMENT_STORE=s3 when S3 fails: a bad configuration stops the start with one sentence; a missing
 * bucket or an endpoint that doesn't answer gives JSON errors and a /healthz report, and loses nothing —
 * once S3 is back, the sent blob reads back whole and the cut upload resumes where it was.
 */
let s3: S3TestServer;
let work: string;
beforeAll(async () => {
  await initCrypto();
  Object.assign(process.env, S3RVER_CREDENTIALS);
  s3 = await startS3TestServer();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'symc-s3-outage-'));
});
afterAll(async () => {
  await s3.dispose();
  fs.rmSync(work, { recursive: true, force: true });
});

async function health(server: TestServer): Promise<{ status: number; report: HealthReport }> {
  const res = await fetch(`${server.url}/healthz`);
  return { status: res.status, report: HealthReport.parse(await res.json()) };
}

async function tus(server: TestServer, token: string, method: string, id: string, headers = {}, body?: Uint8Array) {
  return fetch(`${server.url}${ATTACHMENTS_PATH}/${id}`, {
    method,
    headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${token}`, ...headers },
    ...(body ? { body } : {}),
  });
}

it('a bad S3 configuration stops the start with one sentence naming the variable', () => {
  expect(() => loadConfig({ ATTACHMENT_STORE: 's3' })).toThrow(
    /^Invalid server configuration — ATTACHMENT_STORE=s3 needs ATTACHMENT_S3_BUCKET \(the bucket that holds the blobs\)\.$/,
  );
  expect(() => loadConfig({ ATTACHMENT_STORE: 's3', ATTACHMENT_S3_BUCKET: 'blobs' })).toThrow(/ATTACHMENT_S3_REGION/);
  expect(() =>
    loadConfig({ ATTACHMENT_STORE: 's3', ATTACHMENT_S3_BUCKET: 'blobs', ATTACHMENT_S3_ENDPOINT: 'not a url' }),
  ).toThrow(/ATTACHMENT_S3_ENDPOINT/);
  expect(
    loadConfig({ ATTACHMENT_STORE: 's3', ATTACHMENT_S3_BUCKET: 'blobs', AWS_REGION: 'eu-west-1' }).attachmentS3,
  ).toEqual({
    bucket: 'blobs',
    region: 'eu-west-1',
    endpoint: undefined,
    forcePathStyle: false,
  });
});

it('a missing bucket: /healthz says so, an upload gets a JSON 503 and nothing is stored', async () => {
  const server = await startTestServer(s3.env('symc-no-such-bucket'));
  try {
    const { status, report } = await health(server);
    // Reported, not required: messages still flow (common/contract/http/health.ts).
    expect(status).toBe(200);
    expect(report.checks.blobStore).toMatchObject({ kind: 's3', status: 'down' });
    expect(report.checks.blobStore?.detail).toMatch(/bucket "symc-no-such-bucket" does not exist/);

    const alice = await signUpPhone(server, 'nobucket');
    const before = filesUnder(s3.directory).sort();
    const answer = await createUpload(server, alice.session.tokens.accessToken, {
      'upload-length': '5000',
      'upload-metadata': idMetadata(randomId()),
    });
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({
      error: { code: 'internal', message: expect.stringMatching(/attachment store/) },
    });
    expect(filesUnder(s3.directory).sort()).toEqual(before);
    expect(server.logs.join('\n')).toMatch(/does not exist/);
  } finally {
    await server.stop();
  }
});

it('S3 down: JSON 503s and a health report; back up, the sent blob is whole and the cut upload resumes', async () => {
  const server = await startTestServer(s3.env());
  try {
    const alice = await signUpPhone(server, 'outagealice');
    const bob = await signUpPhone(server, 'outagebob');
    const token = alice.session.tokens.accessToken;
    const { chat, chatKey } = await startChat(alice.api, alice.session, {
      title: 'outage',
      memberUsernames: [bob.session.username],
    });
    const content = randomBytes(200_000);
    const sent = await sendFileMessage(
      alice.api,
      alice.session,
      { baseUrl: server.url },
      chat.chatId,
      chatKey,
      writeFile(work, 'sent.bin', content),
      work,
    );
    // An upload in progress: half of it arrived before S3 went away.
    const pending = randomId();
    const bytes = randomBytes(300_000);
    const half = 150_000;
    const created = await createUpload(server, token, {
      'upload-length': String(bytes.length),
      'upload-metadata': idMetadata(pending),
    });
    expect(created.status).toBe(201);
    const octets = { 'content-type': 'application/offset+octet-stream' };
    const first = await tus(
      server,
      token,
      'PATCH',
      pending,
      { ...octets, 'upload-offset': '0' },
      bytes.subarray(0, half),
    );
    expect(first.status).toBe(204);

    await s3.stop();
    const { status, report } = await health(server);
    expect(status).toBe(200);
    expect(report.checks.blobStore).toMatchObject({ kind: 's3', status: 'down' });
    expect(report.checks.blobStore?.detail).toMatch(/did not answer/);
    const read = await fetch(`${server.url}${ATTACHMENTS_PATH}/${sent.ref.id}`, {
      headers: { authorization: `Bearer ${bob.session.tokens.accessToken}` },
    });
    expect(read.status).toBe(503);
    expect(await read.json()).toMatchObject({ error: { code: 'internal', message: expect.stringMatching(/store/) } });
    const rest = await tus(
      server,
      token,
      'PATCH',
      pending,
      { ...octets, 'upload-offset': String(half) },
      bytes.subarray(half),
    );
    expect(rest.status).toBe(503);
    expect(await rest.json()).toMatchObject({ error: { code: 'internal' } });
    // Not 404: a client told "no such upload" would give it up and start over.
    expect((await tus(server, token, 'HEAD', pending)).status).toBe(503);
    expect((await tus(server, token, 'DELETE', pending)).status).toBe(503);
    // The collector can't remove bytes now, so it keeps every row (bytes first, then the row).
    const db = server.server.deps.db;
    await db.message.delete({ where: { id: sent.messageId } }).catch(() => undefined);
    await expect(server.server.attachmentCollector.runOnce(new Date(Date.now() + 25 * 3600_000))).rejects.toThrow();
    expect(await db.attachment.count({ where: { id: { in: [sent.ref.id, pending] } } })).toBe(2);

    await s3.restart();
    expect((await health(server)).report.checks.blobStore).toMatchObject({ kind: 's3', status: 'ok' });
    const head = await tus(server, token, 'HEAD', pending);
    expect(head.headers.get('upload-offset')).toBe(String(half));
    const resumed = await tus(
      server,
      token,
      'PATCH',
      pending,
      { ...octets, 'upload-offset': String(half) },
      bytes.subarray(half),
    );
    expect(resumed.status).toBe(204);
    const whole = await fetch(`${server.url}${ATTACHMENTS_PATH}/${pending}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(Buffer.compare(Buffer.from(await whole.arrayBuffer()), Buffer.from(bytes))).toBe(0);
    // The sent blob's message is gone now, but its bytes were kept through the outage: the uploader reads them.
    const opened = await receiveFile({ baseUrl: server.url, accessToken: () => token }, sent, work);
    expect(Buffer.compare(fs.readFileSync(opened), Buffer.from(content))).toBe(0);
  } finally {
    await server.stop();
  }
});
