import type { Db } from '../../db/client';
import type { Logger } from '../../observability/logger';
import type { BlobStore } from './blob-store';

export interface CollectedAttachments {
  /** Unfinished uploads older than the TTL. */
  readonly abandonedUploads: number;
  /** Finished uploads no message named within the TTL. */
  readonly unsent: number;
  /** Blobs whose message was deleted (messageId set null by the foreign key, boundAt kept). */
  readonly ofDeletedMessages: number;
}

const BATCH = 200;

/**
 * One collection pass. Bytes go first, then the row: a crash in between leaves a row whose blob is gone,
 * which the next pass deletes again harmlessly (remove is idempotent) — never bytes without a row.
 */
export async function collectAttachments(
  db: Db,
  blobs: BlobStore,
  uploadTtlMs: number,
  now = new Date(),
): Promise<CollectedAttachments> {
  const cutoff = new Date(now.getTime() - uploadTtlMs);
  const sweep = async (where: NonNullable<Parameters<Db['attachment']['findMany']>[0]>['where']): Promise<number> => {
    let total = 0;
    for (;;) {
      const rows = await db.attachment.findMany({ where, select: { id: true }, take: BATCH });
      for (const row of rows) {
        await blobs.remove(row.id);
        await db.attachment.deleteMany({ where: { id: row.id } });
      }
      total += rows.length;
      if (rows.length < BATCH) return total;
    }
  };
  const abandonedUploads = await sweep({ status: 'uploading', createdAt: { lt: cutoff } });
  const unsent = await sweep({ status: 'complete', boundAt: null, completedAt: { lt: cutoff } });
  const ofDeletedMessages = await sweep({ boundAt: { not: null }, messageId: null });
  return { abandonedUploads, unsent, ofDeletedMessages };
}

export interface AttachmentCollector {
  runOnce(now?: Date): Promise<CollectedAttachments>;
  stop(): Promise<void>;
}

/** Runs `collectAttachments` every `intervalMs` (one pass at a time; failures are logged and retried next time). */
export function startAttachmentCollector(
  db: Db,
  blobs: BlobStore,
  logger: Logger,
  opts: { readonly uploadTtlMs: number; readonly intervalMs: number },
): AttachmentCollector {
  let running: Promise<CollectedAttachments> | null = null;
  const runOnce = (now?: Date): Promise<CollectedAttachments> => {
    running ??= collectAttachments(db, blobs, opts.uploadTtlMs, now).finally(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => {
    runOnce().then(
      (c) => {
        if (c.abandonedUploads + c.unsent + c.ofDeletedMessages > 0) logger.info(c, 'collected attachment blobs');
      },
      (error: unknown) => logger.warn({ err: error }, 'attachment collection failed'),
    );
  }, opts.intervalMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
