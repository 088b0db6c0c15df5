import { type ApiClient, MAX_PAGE, MESSAGE_STATUS_RANK, type MessageRecord } from '../../../common/contract';
import type { PhoneSession } from './account';

export type ReceiptKind = 'delivered' | 'read';

/** Others' messages whose receipt (for me) is below `kind`: what to send. My own never get one. */
export function receiptsDue(records: readonly MessageRecord[], me: PhoneSession, kind: ReceiptKind): string[] {
  return records
    .filter((r) => r.senderUserId !== me.userId && MESSAGE_STATUS_RANK[r.status] < MESSAGE_STATUS_RANK[kind])
    .map((r) => r.messageId);
}

/** Sends receipts for a chat's messages, a page at a time; returns the ids the server recorded as changed. */
export async function sendReceipts(
  client: ApiClient,
  chatId: string,
  messageIds: readonly string[],
  kind: ReceiptKind,
): Promise<string[]> {
  const changed: string[] = [];
  for (let i = 0; i < messageIds.length; i += MAX_PAGE) {
    const { updated } = await client.call('markMessages', {
      params: { chatId },
      body: { messageIds: messageIds.slice(i, i + MAX_PAGE), status: kind },
    });
    changed.push(...updated.map((u) => u.messageId));
  }
  return changed;
}

/** The ticks on one of my messages (docs/MESSAGES.md). */
export interface Ticks {
  readonly status: 'sent' | 'delivered' | 'read';
  /** In a group: how many of the others read / got it (null in a one-to-one chat). */
  readonly readBy: number | null;
  readonly deliveredTo: number | null;
  readonly recipients: number;
}

/**
 * `recipients`: the chat's other members. `showRead`: false while this user doesn't send read receipts —
 * then nobody's read state shows (like Signal), "read" reads as "delivered".
 */
export function ticksFor(record: MessageRecord, recipients: number, showRead: boolean): Ticks {
  const status = !showRead && record.status === 'read' ? 'delivered' : record.status;
  const group = recipients > 1;
  return {
    status,
    readBy: group ? (showRead ? (record.readBy?.length ?? 0) : 0) : null,
    deliveredTo: group ? (record.deliveredTo?.length ?? 0) : null,
    recipients,
  };
}
