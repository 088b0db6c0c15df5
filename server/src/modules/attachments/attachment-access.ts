import type { Db } from '../../db/client';

/**
 * Who may download a blob (docs/ATTACHMENTS.md, "Access rule"):
 * - its uploader (any device of that account), while uploading and after;
 * - once a message naming it is stored, every current member of that message's chat.
 * Anyone else gets the same 404 as for an id that doesn't exist: the server does not confirm that a
 * blob exists to someone who can't read it.
 */
export async function canReadAttachment(
  db: Db,
  row: { ownerUserId: string; messageId: string | null },
  userId: string,
): Promise<boolean> {
  if (row.ownerUserId === userId) return true;
  if (!row.messageId) return false;
  const message = await db.message.findUnique({ where: { id: row.messageId }, select: { chatId: true } });
  if (!message) return false;
  const member = await db.chatMember.findUnique({
    where: { chatId_userId: { chatId: message.chatId, userId } },
    select: { userId: true },
  });
  return member !== null;
}
