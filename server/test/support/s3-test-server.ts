import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { S3 } from '@aws-sdk/client-s3';

interface KoaContext {
  method: string;
  url: string;
  status: number;
  type: string;
  body: unknown;
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
interface S3rverInstance {
  middleware: Middleware[];
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
// s3rver ships no type declarations: S3rverInstance above is the part used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverInstance;

/** s3rver's default account (the test sets it as the AWS SDK's credentials through the environment). */
export const S3RVER_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' } as const;

/**
 * A client of the test's own (not the server's) for looking into the bucket through the S3 API. Checksums
 * only where required, as the server's client (s3rver doesn't decode `aws-chunked` bodies).
 */
export function s3rverClient(endpoint: string): S3 {
  return new S3({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    credentials: {
      accessKeyId: S3RVER_CREDENTIALS.AWS_ACCESS_KEY_ID,
      secretAccessKey: S3RVER_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
    },
  });
}

export interface S3TestServer {
  readonly endpoint: string;
  readonly port: number;
  /** s3rver's data directory: every object, part and upload record, as files (for canary scans). */
  readonly directory: string;
  /** The server's environment for ATTACHMENT_STORE=s3 against this bucket. */
  env(bucket?: string): Record<string, string>;
  /** Stops answering (connections refused) and starts again on the same port and data, for outage tests. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Stops and deletes the data directory. */
  dispose(): Promise<void>;
}

/**
 * A real S3-compatible server (s3rver, in this process) on 127.0.0.1 over a temp directory, with `bucket`
 * made. s3rver stores multipart uploads but lacks three calls of the multipart API that @tus/s3-store and
 * our S3 store use — ListParts (where an upload stands), AbortMultipartUpload and ListMultipartUploads
 * (jamhall/s3rver#330). `multipartListing` adds them over s3rver's own upload records, answering as S3
 * documents them; everything else is s3rver's.
 */
export async function startS3TestServer(bucket = 'symc-test'): Promise<S3TestServer> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'symc-s3rver-'));
  let port = 0;
  let running: S3rverInstance | null = null;
  const start = async (): Promise<void> => {
    const s3rver = new S3rver({
      address: '127.0.0.1',
      port,
      directory,
      silent: true,
      configureBuckets: [{ name: bucket }],
    });
    s3rver.middleware.unshift(multipartListing(directory));
    port = (await s3rver.run()).port;
    running = s3rver;
  };
  const stop = async (): Promise<void> => {
    await running?.close();
    running = null;
  };
  await start();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    port,
    directory,
    env: (name = bucket) => ({
      ATTACHMENT_STORE: 's3',
      ATTACHMENT_S3_BUCKET: name,
      ATTACHMENT_S3_ENDPOINT: endpoint,
      ATTACHMENT_S3_FORCE_PATH_STYLE: 'true',
    }),
    stop,
    restart: start,
    async dispose() {
      await stop();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Every file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(full) : [full];
  });
}

/** s3rver's record of a bucket's multipart uploads: `<bucket>/._S3rver_uploads/<uploadId>/{key,1,1.md5,…}`. */
function uploadsDir(root: string, bucket: string): string {
  return path.join(root, bucket, '._S3rver_uploads');
}

function xml(ctx: KoaContext, status: number, body: string): void {
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
}

function s3Error(ctx: KoaContext, status: number, code: string, message: string): void {
  xml(ctx, status, `<Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function multipartListing(root: string): Middleware {
  return async (ctx, next) => {
    const url = new URL(ctx.url, 'http://s3');
    const [bucket = '', ...keyParts] = url.pathname.slice(1).split('/').map(decodeURIComponent);
    const key = keyParts.join('/');
    const uploadId = url.searchParams.get('uploadId');
    const isListParts = ctx.method === 'GET' && key && uploadId && !url.searchParams.has('partNumber');
    const isAbort = ctx.method === 'DELETE' && key && uploadId;
    const isListUploads = ctx.method === 'GET' && !key && url.searchParams.has('uploads');
    if (!isListParts && !isAbort && !isListUploads) return next();
    if (!fs.existsSync(path.join(root, bucket))) {
      return s3Error(ctx, 404, 'NoSuchBucket', 'The specified bucket does not exist');
    }
    if (isListUploads) {
      const prefix = url.searchParams.get('prefix') ?? '';
      const dir = uploadsDir(root, bucket);
      const uploads = (fs.existsSync(dir) ? fs.readdirSync(dir) : [])
        .map((id) => ({
          id,
          key: fs.readFileSync(path.join(dir, id, 'key'), 'utf8'),
          at: fs.statSync(path.join(dir, id)),
        }))
        .filter((u) => u.key.startsWith(prefix))
        .map(
          (u) =>
            `<Upload><Key>${escape(u.key)}</Key><UploadId>${u.id}</UploadId><Initiated>${u.at.birthtime.toISOString()}</Initiated></Upload>`,
        );
      return xml(
        ctx,
        200,
        `<ListMultipartUploadsResult><Bucket>${bucket}</Bucket><Prefix>${escape(prefix)}</Prefix><IsTruncated>false</IsTruncated>${uploads.join('')}</ListMultipartUploadsResult>`,
      );
    }
    const dir = path.join(uploadsDir(root, bucket), uploadId!);
    if (
      !/^[0-9a-f]+$/.test(uploadId!) ||
      !fs.existsSync(dir) ||
      fs.readFileSync(path.join(dir, 'key'), 'utf8') !== key
    ) {
      return s3Error(ctx, 404, 'NoSuchUpload', 'The specified upload does not exist.');
    }
    if (isAbort) {
      fs.rmSync(dir, { recursive: true, force: true });
      ctx.status = 204;
      ctx.body = null;
      return;
    }
    const parts = fs
      .readdirSync(dir)
      // A part counts once s3rver wrote its checksum (the last thing putPart does).
      .filter((name) => /^\d+$/.test(name) && fs.existsSync(path.join(dir, `${name}.md5`)))
      .map(Number)
      .sort((a, b) => a - b)
      .map((n) => {
        const size = fs.statSync(path.join(dir, String(n))).size;
        const etag = fs.readFileSync(path.join(dir, `${n}.md5`), 'utf8');
        return `<Part><PartNumber>${n}</PartNumber><ETag>"${etag}"</ETag><Size>${size}</Size></Part>`;
      });
    return xml(
      ctx,
      200,
      `<ListPartsResult><Bucket>${bucket}</Bucket><Key>${escape(key)}</Key><UploadId>${uploadId}</UploadId><IsTruncated>false</IsTruncated>${parts.join('')}</ListPartsResult>`,
    );
  };
}
