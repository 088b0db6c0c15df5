import path from 'node:path';
import type { Config } from '../../config';
import type { Db } from '../../db/client';
import type { BlobStore } from './blob-store';
import { DatabaseBlobStore } from './database-blob-store';
import { DirectoryBlobStore } from './directory-blob-store';
import { S3BlobStore } from './s3-blob-store';

/**
 * ATTACHMENT_STORE picks the store: `directory` (DATA_DIR/attachments), `database` (shared by instances)
 * or `s3` (a bucket shared by instances; its settings were checked by loadConfig).
 */
export function createBlobStore(config: Config, db: Db): BlobStore {
  switch (config.attachmentStore) {
    case 'database':
      return new DatabaseBlobStore(db);
    case 's3':
      if (!config.attachmentS3) throw new Error('ATTACHMENT_STORE=s3 without its settings (loadConfig makes them)');
      return new S3BlobStore(config.attachmentS3);
    case 'directory':
      return new DirectoryBlobStore(path.join(config.dataDir, 'attachments'));
  }
}
