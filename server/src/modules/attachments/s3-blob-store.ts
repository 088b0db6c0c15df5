import type { Readable } from 'node:stream';
import type { S3 } from '@aws-sdk/client-s3';
import { S3Store } from '@tus/s3-store';
import { ERRORS, type KvStore, type Upload } from '@tus/server';
import type { AttachmentS3Config } from '../../config';
import { type BlobStore, type BlobStoreHealth, BlobStoreUnavailable } from './blob-store';
import { describeS3Error, s3ClientConfig } from './s3-client';

/**
 * Blobs as objects in an S3-compatible bucket (`ATTACHMENT_STORE=s3`): every instance configured with the
 * bucket serves and resumes every upload. Uploads run through `@tus/s3-store` into an S3 multipart upload,
 * so a cut upload resumes at S3's own record of what arrived (its parts, plus a short tail kept as a
 * `<id>.part` object until the next 5 MiB part can be sent).
 *
 * What the bucket holds, per blob — keys are the blob's UUID and nothing else:
 * - `<id>`: the ciphertext (once the multipart upload completed), with no content type and no metadata;
 * - `<id>.info`: tus's record of the upload — its length, creation date and the S3 upload id;
 * - `<id>.part`: while an upload is in progress, the tail below S3's 5 MiB minimum part size;
 * - an in-progress multipart upload keyed `<id>`.
 * `remove` deletes all four, so collection leaves nothing behind; a lifecycle rule aborting incomplete
 * multipart uploads is the safety net for a server that died mid-way (docs/DEPLOYING.md).
 */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3';
  readonly tus: OpaqueS3Store;
  private readonly s3: S3;

  constructor(private readonly config: AttachmentS3Config) {
    this.tus = new OpaqueS3Store({
      s3ClientConfig: { ...s3ClientConfig(config), bucket: config.bucket },
      cache: new NoCache(),
    });
    this.s3 = this.tus.s3Client();
  }

  async read(id: string, start: number, endInclusive: number): Promise<Readable> {
    const object = await this.call(() =>
      this.s3.getObject({ Bucket: this.config.bucket, Key: id, Range: `bytes=${start}-${endInclusive}` }),
    );
    // The SDK's Node body is the HTTP response itself: piped on, it streams with backpressure (one
    // socket buffer in memory whatever the blob's size).
    return object.Body as Readable;
  }

  async remove(id: string): Promise<void> {
    const bucket = this.config.bucket;
    // Every multipart upload under this key — also one whose `.info` was never written (a crash between
    // the two) — is aborted, so S3 frees its parts.
    const listed = await this.call(() => this.s3.listMultipartUploads({ Bucket: bucket, Prefix: id }));
    for (const upload of listed.Uploads ?? []) {
      if (upload.Key !== id || !upload.UploadId) continue;
      await this.call(
        () => this.s3.abortMultipartUpload({ Bucket: bucket, Key: id, UploadId: upload.UploadId }),
        ['NoSuchUpload'],
      );
    }
    const deleted = await this.call(() =>
      this.s3.deleteObjects({
        Bucket: bucket,
        Delete: { Objects: [{ Key: id }, { Key: `${id}.info` }, { Key: `${id}.part` }], Quiet: true },
      }),
    );
    const failed = deleted.Errors?.[0];
    if (failed)
      throw new BlobStoreUnavailable(`S3 did not delete ${failed.Key ?? id}: ${failed.Code ?? 'unknown error'}`);
  }

  async check(): Promise<BlobStoreHealth> {
    try {
      await this.call(() => this.s3.headBucket({ Bucket: this.config.bucket }));
      return { status: 'ok' };
    } catch (error) {
      return { status: 'down', detail: (error as Error).message };
    }
  }

  /** Runs one S3 request; a failure becomes BlobStoreUnavailable with an operator's sentence. */
  private async call<T>(request: () => Promise<T>, harmless: readonly string[] = []): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (harmless.includes((error as { name?: string }).name ?? '')) return undefined as T;
      throw new BlobStoreUnavailable(describeS3Error(error, this.config), { cause: error });
    }
  }
}

/**
 * tus's S3 store with three changes. The multipart upload is created bare: no `tus-version` metadata, no
 * content type, nothing on the object but its bytes (the upload's metadata is emptied by the route anyway).
 * An S3 that fails is not "no such upload" (below). And its client is shared with the blob store's
 * downloads and deletions.
 */
class OpaqueS3Store extends S3Store {
  s3Client(): S3 {
    return this.client;
  }

  override async create(upload: Upload): Promise<Upload> {
    upload.creation_date = new Date().toISOString();
    const created = await this.client.createMultipartUpload({ Bucket: this.bucket, Key: upload.id });
    upload.storage = { type: 's3', path: created.Key ?? upload.id, bucket: this.bucket };
    await this.saveMetadata(upload, created.UploadId as string);
    return upload;
  }

  /**
   * s3-store answers 404 for any failure to read an upload's `.info` — S3 down included. A client told 404
   * gives the upload up and starts over (tus-js-client does), so only a missing record may say that; any
   * other failure goes on as the error it is (a 503 from the route), and the client resumes later.
   */
  override async getUpload(id: string): Promise<Upload> {
    try {
      return await super.getUpload(id);
    } catch (error) {
      if (error !== ERRORS.FILE_NOT_FOUND) throw error;
      try {
        await this.getMetadata(id);
      } catch (cause) {
        const name = (cause as { name?: string }).name ?? '';
        throw name === 'NoSuchKey' || name === 'NotFound' ? error : cause;
      }
      return super.getUpload(id);
    }
  }
}

/**
 * tus's S3 store caches each upload's `.info` in memory by default: per instance, never bounded, and stale
 * once another instance removed the upload. Without it every request reads the small `.info` object again,
 * which is what lets any instance take over any upload.
 */
class NoCache<T> implements KvStore<T> {
  async get(): Promise<T | undefined> {
    return undefined;
  }
  async set(): Promise<void> {}
  async delete(): Promise<void> {}
}
