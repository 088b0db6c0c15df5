import type { MessageRecord, MessageStatus } from '../../../../common/contract';
import type { Db } from '../../db/client';

/** A stored message as Prisma reads it: the one row type every module reading messages uses. */
export type MessageRow = NonNullable<Awaited<ReturnType<Db['message']['findUnique']>>>;

/** The wire form of a stored message (`MessageRecord`, common/contract). */
export function toMessageRecord(row: MessageRow): MessageRecord {
  return {
    messageId: row.id,
    chatId: row.chatId,
    senderUserId: row.senderUserId,
    senderDeviceId: row.senderDeviceId,
    clientKey: row.clientKey,
    ciphertext: row.ciphertext,
    status: row.status as MessageStatus,
    createdAt: row.createdAt.toISOString(),
    edit:
      row.editCiphertext && row.editedAt
        ? { version: row.editVersion, ciphertext: row.editCiphertext, editedAt: row.editedAt.toISOString() }
        : null,
    deletedAt: row.deletedAt?.toISOString() ?? null,
    keyVersion: row.keyVersion,
  };
}
