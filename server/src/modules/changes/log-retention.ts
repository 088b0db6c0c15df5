import type { Db } from '../../db/client';
import type pino from 'pino';

const DAY_MS = 86_400_000;
/** Users pruned per query: a large backlog (retention just switched on) is worked through in pages. */
const PAGE = 200;

/**
 * Whether the user's log still holds every change after `cursor`, so a device (any of the user's: positions
 * are per user, and a relinked desktop comes back as a new device with its old position) can resume from it.
 * Seqs are gap-free and the prune only ever removes a prefix of a user's log, so the entry right after
 * `cursor` proves the rest is there — or nothing is missing (`cursor >= lastSeq`). The one place that answers
 * "older than the log keeps": the stream then gives a fresh plan, `GET /sync/changes` a 410.
 */
export async function logCovers(db: Db, userId: string, cursor: number, lastSeq: number): Promise<boolean> {
  if (cursor >= lastSeq) return true;
  const next = await db.changeLog.findUnique({
    where: { userId_seq: { userId, seq: cursor + 1 } },
    select: { seq: true },
  });
  return next !== null;
}

/**
 * Drops log entries older than CHANGE_LOG_RETENTION_DAYS. Per user it removes a *prefix*: every seq up to
 * the newest old-enough entry (timestamps of two instances may disagree by a few ms, so "older than the
 * cutoff" alone could leave a hole; a prefix never does — `logCovers` relies on it). Returns entries removed.
 */
export async function pruneChangeLog(db: Db, retentionDays: number, now: Date): Promise<number> {
  if (retentionDays === 0) return 0;
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
  let removed = 0;
  let after = '';
  for (;;) {
    const page = await db.changeLog.groupBy({
      by: ['userId'],
      where: { createdAt: { lt: cutoff }, userId: { gt: after } },
      _max: { seq: true },
      orderBy: { userId: 'asc' },
      take: PAGE,
    });
    for (const { userId, _max } of page) {
      if (_max.seq === null) continue;
      const { count } = await db.changeLog.deleteMany({ where: { userId, seq: { lte: _max.seq } } });
      removed += count;
    }
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.userId;
  }
  return removed;
}

export interface LogRetention {
  /** Runs one prune now (tests; the timer runs the others). Resolves with the entries removed. */
  prune(): Promise<number>;
  stop(): Promise<void>;
}

/** The prune at startup and then every CHANGE_LOG_PRUNE_SECONDS (one at a time; failures logged, retried next tick). */
export function startLogRetention(
  db: Db,
  logger: pino.Logger,
  settings: { readonly retentionDays: number; readonly intervalMs: number },
  clock: () => Date = () => new Date(),
): LogRetention {
  let running: Promise<number> = Promise.resolve(0);
  const prune = () => {
    running = running
      .catch(() => 0)
      .then(() => pruneChangeLog(db, settings.retentionDays, clock()))
      .then((removed) => {
        if (removed > 0) logger.info({ removed, days: settings.retentionDays }, 'pruned the change log');
        return removed;
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'the change-log prune failed; retried at the next interval');
        return 0;
      });
    return running;
  };
  void prune();
  const timer = setInterval(() => void prune(), settings.intervalMs);
  timer.unref();
  return {
    prune,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
