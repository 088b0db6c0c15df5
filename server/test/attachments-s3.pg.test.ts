import { initCrypto, randomBytes, randomId } from '../../common/crypto';
import { ATTACHMENTS_PATH } from '../../common/contract';
import { idMetadata } from './support/attachment-contract';
import { tus } from './support/database-store-scenarios';
import { createTestDatabase, type TestDatabase } from './support/pg-database';
import { signUpPhone } from './support/phone';
import { s3StoreUnderTest } from './support/s3-store-probe';
import { S3RVER_CREDENTIALS, startS3TestServer, type S3TestServer } from './support/s3-test-server';
import { startTestServer, type TestServer } from './support/test-server';

/**
 * Two instances on one PostgreSQL database and one bucket (ATTACHMENT_STORE=s3): an upload begun on one
 * resumes on the other from S3's own record — including the tail below 5 MiB that the first instance left
 * in `<id>.part` — and either serves and collects the blob.
 */
let s3: S3TestServer;
let database: TestDatabase;
let a: TestServer;
let b: TestServer;
beforeAll(async () => {
  await initCrypto();
  Object.assign(process.env, S3RVER_CREDENTIALS);
  s3 = await startS3TestServer();
  database = await createTestDatabase('symc_attachments_s3');
  a = await startTestServer({ ...s3.env(), DATABASE_URL: database.url });
  b = await startTestServer({ ...s3.env(), DATABASE_URL: database.url });
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
  await database?.drop();
  await s3?.dispose();
});

it('an upload begun on one instance resumes on the other, which serves it; the collector on either removes it', async () => {
  const alice = await signUpPhone(a, 's3twoalice');
  const token = alice.session.tokens.accessToken;
  const id = randomId();
  const bytes = randomBytes(6 * 1024 * 1024 + 777);
  const created = await tus(a, token, 'POST', ATTACHMENTS_PATH, {
    'upload-length': String(bytes.length),
    'upload-metadata': idMetadata(id),
  });
  expect(created.status).toBe(201);
  const octets = { 'content-type': 'application/offset+octet-stream' };
  const first = bytes.subarray(0, 700_000);
  const patched = await tus(a, token, 'PATCH', `${ATTACHMENTS_PATH}/${id}`, { ...octets, 'upload-offset': '0' }, first);
  expect(patched.status).toBe(204);

  const head = await tus(b, token, 'HEAD', `${ATTACHMENTS_PATH}/${id}`);
  expect(head.headers.get('upload-offset')).toBe(String(first.length));
  const rest = await tus(
    b,
    token,
    'PATCH',
    `${ATTACHMENTS_PATH}/${id}`,
    { ...octets, 'upload-offset': String(first.length) },
    bytes.subarray(first.length),
  );
  expect(rest.status).toBe(204);
  expect((await a.server.deps.db.attachment.findUnique({ where: { id } }))?.status).toBe('complete');
  const whole = await fetch(`${a.url}${ATTACHMENTS_PATH}/${id}`, { headers: { authorization: `Bearer ${token}` } });
  expect(Buffer.compare(Buffer.from(await whole.arrayBuffer()), Buffer.from(bytes))).toBe(0);

  // Never sent in a message: after the upload TTL the other instance's collector removes bytes and row.
  const collected = await b.server.attachmentCollector.runOnce(new Date(Date.now() + 25 * 3600_000));
  expect(collected.unsent).toBeGreaterThanOrEqual(1);
  expect(await s3StoreUnderTest(() => s3).holdsAnything(a, id)).toBe(false);
  expect(await a.server.deps.db.attachment.findUnique({ where: { id } })).toBeNull();
});
