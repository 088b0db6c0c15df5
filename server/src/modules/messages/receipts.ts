import { MESSAGE_STATUS_RANK, type MessageStatus, type RecipientReceipt } from '../../../../common/contract';
import type { Db, Tx } from '../../db/client';
import type { MessageRow } from './message-row-type';

/** A stored per-recipient receipt (MessageReceipt). */
export interface ReceiptRow {
  readonly messageId: string;
  readonly userId: string;
  readonly deliveredAt: Date;
  readonly readAt: Date | null;
}

/** What one viewer sees of a message's receipts: `status` and, on their own message, who delivered / read. */
export interface ReceiptView {
  readonly status: MessageStatus;
  readonly deliveredTo?: RecipientReceipt[];
  readonly readBy?: RecipientReceipt[];
}

/**
 * The receipts `viewerId` may see for these messages, by message: every recipient's on the viewer's own
 * messages, only the viewer's own on the others' (one query; a group's receipts for others' messages never
 * load).
 */
export async function loadReceipts(
  db: Db | Tx,
  viewerId: string,
  rows: readonly Pick<MessageRow, 'id' | 'senderUserId'>[],
): Promise<Map<string, ReceiptRow[]>> {
  const own = rows.filter((r) => r.senderUserId === viewerId).map((r) => r.id);
  const others = rows.filter((r) => r.senderUserId !== viewerId).map((r) => r.id);
  const byMessage = new Map<string, ReceiptRow[]>();
  if (own.length === 0 && others.length === 0) return byMessage;
  const found = await db.messageReceipt.findMany({
    where: {
      OR: [
        ...(own.length ? [{ messageId: { in: own } }] : []),
        ...(others.length ? [{ messageId: { in: others }, userId: viewerId }] : []),
      ],
    },
    orderBy: [{ deliveredAt: 'asc' }, { userId: 'asc' }],
  });
  for (const r of found) byMessage.set(r.messageId, [...(byMessage.get(r.messageId) ?? []), r]);
  return byMessage;
}

/**
 * The viewer's view (docs/MESSAGES.md). On their own message: the stored summary status (every other member
 * delivered / read) and the lists. On another's: their own receipt; with no receipt of theirs, the stored
 * status only for a message nobody has a receipt row for (written before per-recipient receipts, when the
 * one status was everyone's), else "sent".
 */
export function receiptView(
  row: Pick<MessageRow, 'senderUserId' | 'status'>,
  viewerId: string,
  receipts: readonly ReceiptRow[] | undefined,
  legacyFallback: boolean,
): ReceiptView {
  const stored = row.status as MessageStatus;
  if (row.senderUserId === viewerId) {
    const list = receipts ?? [];
    return {
      status: stored,
      deliveredTo: list.map((r) => ({ userId: r.userId, at: r.deliveredAt.toISOString() })),
      readBy: list
        .filter((r): r is ReceiptRow & { readAt: Date } => r.readAt !== null)
        .sort((a, b) => a.readAt.getTime() - b.readAt.getTime())
        .map((r) => ({ userId: r.userId, at: r.readAt.toISOString() })),
    };
  }
  const mine = receipts?.find((r) => r.userId === viewerId);
  if (mine) return { status: mine.readAt ? 'read' : 'delivered' };
  return { status: legacyFallback ? stored : 'sent' };
}

/** Whether a message has no receipt row at all (then its stored status is the pre-receipts one). */
export async function messagesWithoutReceipts(db: Db | Tx, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const withAny = await db.messageReceipt.findMany({
    where: { messageId: { in: [...ids] } },
    distinct: ['messageId'],
    select: { messageId: true },
  });
  const has = new Set(withAny.map((r) => r.messageId));
  return new Set(ids.filter((id) => !has.has(id)));
}

/** The views of a page of rows for one viewer (two queries at most). */
export async function receiptViews(
  db: Db | Tx,
  viewerId: string,
  rows: readonly Pick<MessageRow, 'id' | 'senderUserId' | 'status'>[],
): Promise<Map<string, ReceiptView>> {
  const receipts = await loadReceipts(db, viewerId, rows);
  // The legacy fallback matters only for others' messages the viewer has no receipt for and whose stored
  // status says more than "sent".
  const candidates = rows
    .filter((r) => r.senderUserId !== viewerId && r.status !== 'sent' && !receipts.has(r.id))
    .map((r) => r.id);
  const legacy = await messagesWithoutReceipts(db, candidates);
  return new Map(rows.map((r) => [r.id, receiptView(r, viewerId, receipts.get(r.id), legacy.has(r.id))]));
}

/** The summary status from the recipients' receipts: every recipient delivered / read; never below `current`. */
export function summaryStatus(
  current: MessageStatus,
  recipients: readonly string[],
  receipts: readonly ReceiptRow[],
): MessageStatus {
  const byUser = new Map(receipts.map((r) => [r.userId, r]));
  let derived: MessageStatus = 'sent';
  if (recipients.length > 0 && recipients.every((u) => byUser.has(u))) derived = 'delivered';
  if (recipients.length > 0 && recipients.every((u) => byUser.get(u)?.readAt)) derived = 'read';
  return MESSAGE_STATUS_RANK[derived] > MESSAGE_STATUS_RANK[current] ? derived : current;
}
