import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { FileStore } from '@tus/file-store';
import type { BlobStore, BlobStoreHealth } from './blob-store';

/**
 * tus's FileStore makes its directory with an asynchronous mkdir whose failure is thrown from a callback
 * (an uncaught exception if the directory goes away meanwhile, e.g. a data dir removed right after a stop).
 * DirectoryBlobStore has made it synchronously before, where a failure is an ordinary error.
 */
// (Its `checkOrCreateDirectory` is private in the typings, hence the casts around the subclass.)
const FileStoreInMadeDirectory = class extends (FileStore as unknown as new (options: {
  directory: string;
}) => object) {
  checkOrCreateDirectory(): void {}
};

/** One file per blob under `directory` (tus's FileStore; its `<id>.json` holds the upload's length only). */
export class DirectoryBlobStore implements BlobStore {
  readonly kind = 'directory';
  readonly tus: FileStore;

  constructor(private readonly directory: string) {
    fs.mkdirSync(directory, { recursive: true });
    this.tus = new FileStoreInMadeDirectory({ directory }) as unknown as FileStore;
  }

  async read(id: string, start: number, endInclusive: number): Promise<Readable> {
    // Opened first: a missing file is an error here, not a cut body.
    const handle = await fsp.open(this.file(id), 'r');
    return handle.createReadStream({ start, end: endInclusive, highWaterMark: 256 * 1024 });
  }

  async check(): Promise<BlobStoreHealth> {
    try {
      await fsp.access(this.directory, fs.constants.W_OK);
      return { status: 'ok' };
    } catch {
      return { status: 'down', detail: `the blob directory ${this.directory} is not writable` };
    }
  }

  async remove(id: string): Promise<void> {
    await fsp.rm(this.file(id), { force: true });
    await fsp.rm(`${this.file(id)}.json`, { force: true });
  }

  private file(id: string): string {
    // Ids are UUIDs checked at creation; the join can't leave the directory.
    return path.join(this.directory, id);
  }
}
