import type { Db } from '../../db/client';
import type { CommittedChange } from '../changes/change-log';

/** Up to `take` of the user's changes after `after`, oldest first: what a stream replays and a poll pages. */
export async function readChangeLog(db: Db, userId: string, after: number, take: number): Promise<CommittedChange[]> {
  const rows = await db.changeLog.findMany({
    where: { userId, seq: { gt: after } },
    orderBy: { seq: 'asc' },
    take,
  });
  return rows.map((c) => ({
    userId: c.userId,
    seq: c.seq,
    kind: c.kind as CommittedChange['kind'],
    ...(c.chatId ? { chatId: c.chatId } : {}),
    ...(c.entityId ? { entityId: c.entityId } : {}),
  }));
}
