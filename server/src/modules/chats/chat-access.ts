import type { Db, Tx } from '../../db/client';
import { errors } from '../../errors';

/**
 * The one membership check every chat-scoped use-case goes through. A chat the caller is not a member
 * of answers 404, exactly like a chat that does not exist: ids of other people's chats reveal nothing.
 */
export async function requireMembership(db: Db | Tx, chatId: string, userId: string) {
  const member = await db.chatMember.findUnique({ where: { chatId_userId: { chatId, userId } } });
  if (!member) throw errors.notFound('chat');
  return member;
}
