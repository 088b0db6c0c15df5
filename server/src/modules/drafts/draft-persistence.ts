import type { Db } from '../../db/client';
import type { Logger } from '../../observability/logger';

export interface DraftPersistence {
  /** Folds every idle hot draft now (the sweep calls this; tests may too). Returns how many were folded. */
  sweep(): Promise<number>;
  /** Stops the sweep and folds ALL hot drafts, idle or not: a graceful shutdown keeps every draft in its chat row. */
  stop(): Promise<number>;
}

/**
 * Moves one hot draft into its chat row and drops the hot row, if the hot row is still the one that was
 * read: an edit accepted in between wins and the fold is simply retried by a later sweep. The no-op
 * update of the user row takes the same lock as putDraft (PostgreSQL), so an edit and a fold of the same
 * user never interleave — safe with several server instances sharing one database.
 */
async function foldOne(
  db: Db,
  row: { userId: string; chatId: string; version: number; updatedByDevice: string },
): Promise<boolean> {
  return db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: row.userId }, data: { lastSeq: { increment: 0 } } });
    const hot = await tx.draft.findUnique({ where: { userId_chatId: { userId: row.userId, chatId: row.chatId } } });
    if (!hot || hot.version !== row.version || hot.updatedByDevice !== row.updatedByDevice) return false;
    await tx.chatMember.updateMany({
      where: { chatId: hot.chatId, userId: hot.userId },
      data: {
        draftCiphertext: hot.ciphertext,
        draftVersion: hot.version,
        draftUpdatedByDevice: hot.updatedByDevice,
        draftUpdatedAt: hot.updatedAt,
      },
    });
    await tx.draft.delete({ where: { userId_chatId: { userId: hot.userId, chatId: hot.chatId } } });
    return true;
  });
}

/** Folds the hot drafts last written before `cutoff` (all of them when null). */
export async function foldDrafts(db: Db, cutoff: Date | null): Promise<number> {
  let folded = 0;
  for (;;) {
    const batch = await db.draft.findMany({
      where: cutoff ? { updatedAt: { lt: cutoff } } : {},
      select: { userId: true, chatId: true, version: true, updatedByDevice: true },
      orderBy: { updatedAt: 'asc' },
      take: 200,
    });
    let progressed = 0;
    for (const row of batch) if (await foldOne(db, row)) progressed++;
    folded += progressed;
    // A batch where nothing folded is all rows being edited right now: leave them to the next sweep.
    if (batch.length < 200 || progressed === 0) return folded;
  }
}

/**
 * The draft cache's TTL: every sweep folds the drafts idle for `ttlSeconds` into their chat rows, so the
 * hot table only holds drafts being worked on. A draft is folded between `ttl` and `ttl + interval` after
 * its last edit; the interval is half the TTL, at most a minute.
 */
export function startDraftPersistence(db: Db, logger: Logger, ttlSeconds: number): DraftPersistence {
  const intervalMs = Math.min(60_000, (ttlSeconds * 1000) / 2);
  let running: Promise<number> = Promise.resolve(0);
  const sweep = (): Promise<number> => {
    running = running
      .catch(() => 0)
      .then(() => foldDrafts(db, new Date(Date.now() - ttlSeconds * 1000)))
      .then((n) => {
        if (n > 0) logger.debug({ folded: n }, 'folded idle drafts into their chat rows');
        return n;
      });
    return running;
  };
  const timer = setInterval(() => {
    sweep().catch((error: unknown) => logger.error({ err: error }, 'draft persistence sweep failed'));
  }, intervalMs);
  timer.unref();
  return {
    sweep,
    async stop() {
      clearInterval(timer);
      await running.catch(() => 0);
      const n = await foldDrafts(db, null);
      logger.info({ folded: n }, 'drafts persisted to their chat rows');
      return n;
    },
  };
}
