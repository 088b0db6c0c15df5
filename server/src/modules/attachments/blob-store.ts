import type { Readable } from 'node:stream';
import type { DataStore } from '@tus/server';

/**
 * Where attachment blobs live. `tus` is the upload side (the tus server writes through it, resumably);
 * the rest serves downloads, collection and /healthz. Blobs are opaque ciphertext: a store never sees a
 * name or type.
 *
 * Three stores ship: `directory` (files under DATA_DIR/attachments, the embedded default), `database`
 * (chunks in the server database, so every instance sharing a PostgreSQL database serves every blob) and
 * `s3` (objects in an S3-compatible bucket every instance shares; docs/ATTACHMENTS.md).
 */
export interface BlobStore {
  readonly kind: 'directory' | 'database' | 's3';
  readonly tus: DataStore;
  /**
   * Bytes `start`..`endInclusive` of a finished blob, streamed (memory stays at one piece). It resolves only
   * once the store answered, so a store that is down fails here — before the HTTP status is sent — and the
   * reader gets a JSON error instead of a cut body.
   */
  read(id: string, start: number, endInclusive: number): Promise<Readable>;
  /** Deletes the blob's bytes, finished or in progress; a blob already gone is not an error. */
  remove(id: string): Promise<void>;
  /** Whether the store answers now (for /healthz); `detail` says why not, in a sentence. */
  check(): Promise<BlobStoreHealth>;
}

export type BlobStoreHealth = { readonly status: 'ok' } | { readonly status: 'down'; readonly detail: string };

/** A store that could not be reached or refused an operation (bucket missing, endpoint down, credentials). */
export class BlobStoreUnavailable extends Error {
  override name = 'BlobStoreUnavailable';
}

/** Bytes per row of the database store: a 100 MB blob is a few hundred rows, each small enough for one statement. */
export const DATABASE_CHUNK_BYTES = 512 * 1024;
