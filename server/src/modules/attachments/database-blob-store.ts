import { Readable } from 'node:stream';
import { DataStore, ERRORS, Upload } from '@tus/server';
import type { Db } from '../../db/client';
import { type BlobStore, type BlobStoreHealth, DATABASE_CHUNK_BYTES } from './blob-store';

/** Rows fetched per query while streaming a download. */
const ROWS_PER_READ = 4;

/**
 * Blob bytes as rows of AttachmentChunk in the server database (`ATTACHMENT_STORE=database`): with
 * PostgreSQL every instance reads and resumes every upload. The Attachment row (made before the tus
 * upload starts) holds the length and `storedBytes`; each stored piece commits with its `storedBytes`
 * increment, so a cut upload resumes exactly after the last committed piece.
 */
export class DatabaseBlobStore implements BlobStore {
  readonly kind = 'database';
  readonly tus: DataStore;

  constructor(private readonly db: Db) {
    this.tus = new DatabaseTusStore(db, this);
  }

  async read(id: string, start: number, endInclusive: number): Promise<Readable> {
    const db = this.db;
    let next = start;
    /** The next few pieces from `next` on, sliced to the asked span. */
    async function* pieces(): AsyncGenerator<Buffer> {
      while (next <= endInclusive) {
        // The row holding `next`, and the ones after it.
        const first = await db.attachmentChunk.findFirst({
          where: { attachmentId: id, offset: { lte: BigInt(next) } },
          orderBy: { offset: 'desc' },
          select: { offset: true },
        });
        if (!first) throw new Error(`blob ${id} has no bytes at ${next}`);
        const rows = await db.attachmentChunk.findMany({
          where: { attachmentId: id, offset: { gte: first.offset, lte: BigInt(endInclusive) } },
          orderBy: { offset: 'asc' },
          take: ROWS_PER_READ,
        });
        const before = next;
        for (const row of rows) {
          const rowStart = Number(row.offset);
          const from = next - rowStart;
          const to = Math.min(row.length, endInclusive - rowStart + 1);
          if (from < 0 || from >= to) continue;
          next = rowStart + to;
          yield Buffer.from(row.data.buffer, row.data.byteOffset + from, to - from);
        }
        if (next === before) throw new Error(`blob ${id} has a gap at ${next}`);
      }
    }
    // One query batch at a time: the stream pulls the next batch only when its reader has taken the last.
    return Readable.from(pieces(), { objectMode: false, highWaterMark: DATABASE_CHUNK_BYTES });
  }

  /** The blobs are the database's rows: /healthz's database check covers them. */
  async check(): Promise<BlobStoreHealth> {
    return { status: 'ok' };
  }

  async remove(id: string): Promise<void> {
    await this.db.attachmentChunk.deleteMany({ where: { attachmentId: id } });
  }

  /** Appends one piece at `offset` (which must be the blob's current end) and moves `storedBytes`. */
  async append(id: string, offset: number, bytes: Buffer): Promise<void> {
    await this.db.$transaction(async (tx) => {
      const moved = await tx.attachment.updateMany({
        where: { id, storedBytes: BigInt(offset) },
        data: { storedBytes: BigInt(offset + bytes.length) },
      });
      // Another writer moved the end first (a duplicate PATCH on another instance): refuse, tus re-syncs.
      if (moved.count !== 1) throw ERRORS.INVALID_OFFSET;
      await tx.attachmentChunk.create({
        data: { attachmentId: id, offset: BigInt(offset), length: bytes.length, data: new Uint8Array(bytes) },
      });
    });
  }
}

class DatabaseTusStore extends DataStore {
  constructor(
    private readonly db: Db,
    private readonly blobs: DatabaseBlobStore,
  ) {
    super();
    this.extensions = ['creation', 'creation-with-upload', 'termination'];
  }

  override async create(upload: Upload): Promise<Upload> {
    // The Attachment row is made by the route before tus runs (it carries owner and quota).
    const row = await this.db.attachment.findUnique({ where: { id: upload.id }, select: { id: true } });
    if (!row) throw ERRORS.FILE_NOT_FOUND;
    upload.storage = { type: 'database', path: upload.id };
    return upload;
  }

  override async remove(id: string): Promise<void> {
    await this.blobs.remove(id);
  }

  override async write(stream: Readable, id: string, offset: number): Promise<number> {
    let end = offset;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async (): Promise<void> => {
      if (pendingBytes === 0) return;
      const piece = Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      await this.blobs.append(id, end, piece);
      end += piece.length;
    };
    try {
      for await (const chunk of stream) {
        const buffer = chunk as Buffer;
        let at = 0;
        while (at < buffer.length) {
          const take = Math.min(DATABASE_CHUNK_BYTES - pendingBytes, buffer.length - at);
          pending.push(buffer.subarray(at, at + take));
          pendingBytes += take;
          at += take;
          if (pendingBytes === DATABASE_CHUNK_BYTES) await flush();
        }
      }
    } catch {
      // The client went away mid-request: keep what arrived, so its resume starts after it.
      await flush();
      throw ERRORS.FILE_WRITE_ERROR;
    }
    await flush();
    return end;
  }

  override async getUpload(id: string): Promise<Upload> {
    const row = await this.db.attachment.findUnique({ where: { id } });
    if (!row) throw ERRORS.FILE_NOT_FOUND;
    return new Upload({
      id,
      size: Number(row.size),
      offset: Number(row.storedBytes),
      creation_date: row.createdAt.toISOString(),
      storage: { type: 'database', path: id },
    });
  }
}
