import path from 'node:path';
import type { Config } from '../../config';
import type { Db } from '../../db/client';
import type { BlobStore } from './blob-store';
import { DatabaseBlobStore } from './database-blob-store';
import { DirectoryBlobStore } from './directory-blob-store';

/** ATTACHMENT_STORE picks the store: `directory` (DATA_DIR/attachments) or `database` (shared by instances). */
export function createBlobStore(config: Config, db: Db): BlobStore {
  return config.attachmentStore === 'database'
    ? new DatabaseBlobStore(db)
    : new DirectoryBlobStore(path.join(config.dataDir, 'attachments'));
}
