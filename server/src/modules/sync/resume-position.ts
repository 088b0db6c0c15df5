import type { Db } from '../../db/client';

/**
 * Whether the user's change log still holds every change after `seq`, so a device (any of the user's:
 * positions are per user, and a relinked desktop comes back as a new device with its old position) can
 * resume from it. True at the head of the log; otherwise the entry right after `seq` must still be there
 * (the log is gap-free per user, so one entry proves the rest). When retention trims the log, this is the
 * one place that answers "older than the log keeps": such a position gets a fresh plan instead of a
 * stream with a hole in it.
 */
export async function changeLogCovers(db: Db, userId: string, seq: number, lastSeq: number): Promise<boolean> {
  if (seq >= lastSeq) return true;
  const next = await db.changeLog.findUnique({
    where: { userId_seq: { userId, seq: seq + 1 } },
    select: { seq: true },
  });
  return next !== null;
}
