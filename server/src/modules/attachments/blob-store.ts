import type { Readable } from 'node:stream';
import type { DataStore } from '@tus/server';

/**
 * Where attachment blobs live. `tus` is the upload side (the tus server writes through it, resumably);
 * the rest serves downloads and collection. Blobs are opaque ciphertext: a store never sees a name or type.
 *
 * Two stores ship: `directory` (files under DATA_DIR/attachments, the embedded default) and `database`
 * (chunks in the server database, so every instance sharing a PostgreSQL database serves every blob). An
 * S3-compatible store would be a third implementation of this interface (docs/ATTACHMENTS.md).
 */
export interface BlobStore {
  readonly kind: 'directory' | 'database';
  readonly tus: DataStore;
  /** Bytes `start`..`endInclusive` of a finished blob, streamed (memory stays at one piece). */
  read(id: string, start: number, endInclusive: number): Readable;
  /** Deletes the blob's bytes; a blob already gone is not an error. */
  remove(id: string): Promise<void>;
}

/** Bytes per row of the database store: a 100 MB blob is a few hundred rows, each small enough for one statement. */
export const DATABASE_CHUNK_BYTES = 512 * 1024;
