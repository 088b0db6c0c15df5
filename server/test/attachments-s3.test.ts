import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomId } from '../../common/crypto';
import { uploadBlob } from '../../desktop/src/core/attachments/blob-transfer';
import { CuttingProxy } from '../../e2e/support/cutting-proxy';
import { ATTACHMENTS_PATH } from '../../common/contract';
import { attachmentContract, createUpload, idMetadata } from './support/attachment-contract';
import { s3StoreUnderTest } from './support/s3-store-probe';
import { S3RVER_CREDENTIALS, s3rverClient, startS3TestServer, type S3TestServer } from './support/s3-test-server';
import { writeFile } from './support/attachment-sender';
import { signUpPhone } from './support/phone';
import { startTestServer, type TestServer } from './support/test-server';

/**
 * ATTACHMENT_STORE=s3 against a real S3-compatible server over HTTP on 127.0.0.1 (s3rver, started here on a
 * free port over a temp dir). The server finds its credentials as in production: the AWS SDK's default
 * chain, here AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the environment.
 */
let s3: S3TestServer;
beforeAll(async () => {
  Object.assign(process.env, S3RVER_CREDENTIALS);
  s3 = await startS3TestServer();
});
afterAll(() => s3.dispose());

describe('S3 store: the attachment contract', () => {
  attachmentContract(() => s3StoreUnderTest(() => s3));
});

describe('S3 store: what the bucket holds, and uploads of several parts', () => {
  let server: TestServer;
  let work: string;
  beforeAll(async () => {
    server = await startTestServer({ ...s3.env(), MAX_ATTACHMENT_BYTES: String(64 * 1024 * 1024) });
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'symc-s3-parts-'));
  });
  afterAll(async () => {
    await server.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("a 20 MiB blob cut after 11 MiB resumes from S3's parts and .part tail, and reads back across parts", async () => {
    const alice = await signUpPhone(server, 'partsalice');
    const bytes = randomBytes(20 * 1024 * 1024 + 4321);
    const blob = writeFile(work, 'parts.blob', bytes);
    const id = randomId();
    const proxy = await new CuttingProxy(server.server.port).start();
    try {
      // The second 8 MiB request is cut 3 MiB in: one 8 MiB part is in S3, the 3 MiB go to `<id>.part`.
      let cut = false;
      await uploadBlob(
        {
          baseUrl: `http://127.0.0.1:${proxy.port}`,
          accessToken: () => alice.session.tokens.accessToken,
          retryDelays: [50, 100, 200],
          onProgress: ({ done }) => {
            if (!cut && done > 11 * 1024 * 1024) {
              cut = true;
              proxy.cutAll();
            }
          },
        },
        id,
        blob,
      );
      expect(cut).toBe(true);
      // Starting over would have sent 11 MiB twice; resuming sends the blob about once.
      expect(proxy.bytesUp).toBeLessThan(bytes.length * 1.25);
    } finally {
      await proxy.stop();
    }
    const row = await server.server.deps.db.attachment.findUnique({ where: { id } });
    expect(row?.status).toBe('complete');
    const stored = await s3StoreUnderTest(() => s3).blobBytes(server, id);
    expect(Buffer.compare(stored!, Buffer.from(bytes))).toBe(0);
    // A range across the first part boundary (parts are 8 MiB), streamed from S3 by the server.
    const from = 8 * 1024 * 1024 - 100;
    const part = await fetch(`${server.url}${ATTACHMENTS_PATH}/${id}`, {
      headers: { authorization: `Bearer ${alice.session.tokens.accessToken}`, range: `bytes=${from}-${from + 199}` },
    });
    expect(part.status).toBe(206);
    expect(Buffer.compare(Buffer.from(await part.arrayBuffer()), Buffer.from(bytes.subarray(from, from + 200)))).toBe(
      0,
    );
  });

  it('keys are the blob id and its suffixes; the object carries no metadata and no type', async () => {
    const alice = await signUpPhone(server, 'keysalice');
    const id = '0b6cf5a4-2d3e-4c1f-8a9b-5e6d7c8b9a01';
    const bytes = randomBytes(5000);
    const created = await createUpload(server, alice.session.tokens.accessToken, {
      'upload-length': String(bytes.length),
      'upload-metadata': idMetadata(id),
    });
    expect(created.status).toBe(201);
    const patched = await fetch(`${server.url}${ATTACHMENTS_PATH}/${id}`, {
      method: 'PATCH',
      headers: {
        'tus-resumable': '1.0.0',
        authorization: `Bearer ${alice.session.tokens.accessToken}`,
        'upload-offset': '0',
        'content-type': 'application/offset+octet-stream',
      },
      body: bytes,
    });
    expect(patched.status).toBe(204);

    const client = s3rverClient(s3.endpoint);
    const keys = (await client.listObjectsV2({ Bucket: 'symc-test', Prefix: id })).Contents?.map((o) => o.Key);
    expect(keys?.sort()).toEqual([id, `${id}.info`]);
    const head = await client.headObject({ Bucket: 'symc-test', Key: id });
    expect(head.Metadata ?? {}).toEqual({});
    expect(head.ContentLength).toBe(bytes.length);
    expect(head.ContentType ?? 'binary/octet-stream').toMatch(/^(binary|application)\/octet-stream$/);
    // `.info` is tus's record: the length, the creation date, the S3 upload id — no name, no type.
    const info = await client.getObject({ Bucket: 'symc-test', Key: `${id}.info` });
    const record = JSON.parse(await info.Body!.transformToString()) as Record<string, unknown>;
    expect(record).toMatchObject({ id, size: bytes.length, metadata: {} });
    expect(Object.keys(info.Metadata ?? {}).sort()).toEqual(['tus-version', 'upload-id']);
  });
});
