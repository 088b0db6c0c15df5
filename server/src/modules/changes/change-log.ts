import type { Tx } from '../../db/client';

export type ChangeKind =
  | 'chat:new'
  | 'chat:update'
  | 'message:new'
  | 'message:status'
  | 'draft:update'
  | 'settings:update'
  | 'device:revoked';

export interface Change {
  readonly kind: ChangeKind;
  readonly chatId?: string;
  readonly entityId?: string;
}

export interface CommittedChange extends Change {
  readonly userId: string;
  readonly seq: number;
}

/**
 * Appends one change to the log of each user, inside the caller's transaction. The seq comes from
 * `User.lastSeq`, incremented in the same transaction: per user it is gap-free and totally ordered, and a
 * rolled-back change leaves no seq behind. Devices resume sync from "the last seq I applied".
 */
export async function appendChange(tx: Tx, userIds: readonly string[], change: Change): Promise<CommittedChange[]> {
  const committed: CommittedChange[] = [];
  for (const userId of [...new Set(userIds)].sort()) {
    const { lastSeq } = await tx.user.update({
      where: { id: userId },
      data: { lastSeq: { increment: 1 } },
      select: { lastSeq: true },
    });
    await tx.changeLog.create({
      data: { userId, seq: lastSeq, kind: change.kind, chatId: change.chatId ?? null, entityId: change.entityId ?? null },
    });
    committed.push({ ...change, userId, seq: lastSeq });
  }
  return committed;
}
