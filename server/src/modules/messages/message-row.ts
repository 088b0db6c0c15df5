import type { MessageRecord, MessageStatus } from '../../../../common/contract';
import type { Db } from '../../db/client';
import type { MessageRow } from './message-row-type';
import { receiptViews, type ReceiptView } from './receipts';

/** A stored message as Prisma reads it: the one row type every module reading messages uses. */
export type { MessageRow } from './message-row-type';

/**
 * The wire form of a stored message (`MessageRecord`, common/contract). With `view`, as one viewer sees its
 * receipts (receipts.ts); without, the stored summary status and no lists (the same for every member).
 */
export function toMessageRecord(row: MessageRow, view?: ReceiptView): MessageRecord {
  return {
    messageId: row.id,
    chatId: row.chatId,
    senderUserId: row.senderUserId,
    senderDeviceId: row.senderDeviceId,
    clientKey: row.clientKey,
    ciphertext: row.ciphertext,
    status: view?.status ?? (row.status as MessageStatus),
    createdAt: row.createdAt.toISOString(),
    edit:
      row.editCiphertext && row.editedAt
        ? { version: row.editVersion, ciphertext: row.editCiphertext, editedAt: row.editedAt.toISOString() }
        : null,
    deletedAt: row.deletedAt?.toISOString() ?? null,
    keyVersion: row.keyVersion,
    ...(view?.deliveredTo ? { deliveredTo: view.deliveredTo } : {}),
    ...(view?.readBy ? { readBy: view.readBy } : {}),
  };
}

/** Rows as one viewer sees them, receipts included (receipts.ts): two small queries for the whole list. */
export async function toViewerRecords(db: Db, viewerId: string, rows: readonly MessageRow[]): Promise<MessageRecord[]> {
  const views = await receiptViews(db, viewerId, rows);
  return rows.map((row) => toMessageRecord(row, views.get(row.id)));
}

export { receiptViews, type ReceiptView } from './receipts';
