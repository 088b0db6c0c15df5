import fs from 'node:fs';
import path from 'node:path';
import type { StoreUnderTest } from './attachment-contract';
import { filesUnder, s3rverClient, type S3TestServer } from './s3-test-server';

/**
 * The S3 store as the contract suite looks into it: bytes through the S3 API (a client of its own, not
 * the server's), everything else from s3rver's data directory — objects, `.info`/`.part` records and the
 * multipart uploads in progress (s3rver keeps each in a folder with a `key` file).
 */
export function s3StoreUnderTest(s3: () => S3TestServer, bucket = 'symc-test'): StoreUnderTest {
  const client = () => s3rverClient(s3().endpoint);
  const files = () => filesUnder(path.join(s3().directory, bucket));
  return {
    env: () => s3().env(bucket),
    contents: async () =>
      files()
        .map((f) => path.relative(s3().directory, f))
        .sort(),
    blobBytes: async (_server, id) => {
      try {
        const object = await client().getObject({ Bucket: bucket, Key: id });
        return Buffer.from(await object.Body!.transformToByteArray());
      } catch (error) {
        if ((error as { name?: string }).name === 'NoSuchKey') return null;
        throw error;
      }
    },
    holdsAnything: async (_server, id) =>
      files().some(
        (f) => path.basename(f).startsWith(id) || (path.basename(f) === 'key' && fs.readFileSync(f, 'utf8') === id),
      ),
  };
}
