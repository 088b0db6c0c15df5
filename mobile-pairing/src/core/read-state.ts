import { type ChatPref, type ReadPosition, readOnAnotherDevice } from '../../../common/content';
import type { MessageRecord } from '../../../common/contract';

/**
 * What this user has read, on the phone (docs/MESSAGES.md "Read state between my devices"): a message from
 * someone else is read when my own receipt says so (read receipts on) or my read marker — written by any of
 * my devices into the settings envelope while receipts are off — covers it. The server can forge neither
 * a marker (it can't open or write the envelope) nor, for a device, a receipt it didn't send.
 */
export function unreadForMe(record: MessageRecord, me: { readonly userId: string }, pref: ChatPref): boolean {
  return (
    record.senderUserId !== me.userId &&
    !record.deletedAt &&
    record.status !== 'read' &&
    !readOnAnotherDevice(pref, Date.parse(record.createdAt), record.messageId)
  );
}

/** The first unread message of a loaded page, oldest first ("New messages" goes above it), or null. */
export function firstUnread(
  records: readonly MessageRecord[],
  me: { readonly userId: string },
  pref: ChatPref,
): string | null {
  return records.find((record) => unreadForMe(record, me, pref))?.messageId ?? null;
}

/** Where reading these messages puts the marker: the newest from someone else (null: none). */
export function readPositionOf(
  records: readonly MessageRecord[],
  me: { readonly userId: string },
): ReadPosition | null {
  let newest: ReadPosition | null = null;
  for (const record of records) {
    if (record.senderUserId === me.userId) continue;
    const at = Date.parse(record.createdAt);
    if (!Number.isFinite(at)) continue;
    if (!newest || at > newest.at || (at === newest.at && record.messageId > newest.id))
      newest = { at, id: record.messageId };
  }
  return newest;
}
