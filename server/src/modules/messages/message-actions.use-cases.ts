import type { api, BodyOf, ResponseOf } from '../../../../common/contract';
import type { Db, Tx } from '../../db/client';
import { errors } from '../../errors';
import type { AuthContext } from '../../http/authenticate';
import type { ServerDeps } from '../../server-deps';
import { appendChange } from '../changes/change-log';
import { requireMembership } from '../chats/chat-access';

/** What these use-cases touch: the database, and the change bus that wakes streams after a commit. */
type Deps = Pick<ServerDeps, 'db' | 'changes'>;

/** The message, in this chat, that this member may see: 404 for unknown ids and for messages they hid. */
async function visibleMessage(db: Db | Tx, chatId: string, messageId: string, userId: string) {
  const message = await db.message.findUnique({
    where: { id: messageId },
    include: { hiddenBy: { where: { userId }, select: { userId: true } } },
  });
  if (!message || message.chatId !== chatId || message.hiddenBy.length > 0) throw errors.notFound('message');
  return message;
}

/** The author's edits and deletes: the server checks the sender; clients check the edit's signature. */
function requireAuthor(message: { senderUserId: string }, auth: AuthContext, action: string): void {
  if (message.senderUserId !== auth.userId) throw errors.forbidden(`only the author of a message may ${action} it`);
}

/**
 * An edit is the next version (the current count + 1): a client that edited from a stale copy gets 409 and
 * nothing is stored, so two devices editing at once never both win. Every version stays in MessageEdit;
 * the newest also rides on the message row, which is what sync sends.
 */
export async function editMessage(
  deps: Deps,
  auth: AuthContext,
  chatId: string,
  messageId: string,
  body: BodyOf<typeof api.editMessage>,
): Promise<ResponseOf<typeof api.editMessage>> {
  await requireMembership(deps.db, chatId, auth.userId);
  const now = new Date();
  const committed = await deps.db.$transaction(async (tx) => {
    const message = await visibleMessage(tx, chatId, messageId, auth.userId);
    requireAuthor(message, auth, 'edit');
    if (message.deletedAt) throw errors.gone('this message was deleted');
    if (body.version !== message.editVersion + 1) {
      throw errors.staleVersion(
        `this message is at version ${message.editVersion}; send version ${message.editVersion + 1}`,
      );
    }
    // Conditional on the version read above: of two concurrent edits (PostgreSQL), one updates no row.
    const updated = await tx.message.updateMany({
      where: { id: messageId, editVersion: message.editVersion, deletedAt: null },
      data: { editVersion: body.version, editCiphertext: body.ciphertext, editedAt: now },
    });
    if (updated.count !== 1) throw errors.staleVersion('this message was edited meanwhile; reload it');
    await tx.messageEdit.create({
      data: {
        messageId,
        version: body.version,
        senderDeviceId: auth.deviceId,
        ciphertext: body.ciphertext,
        size: body.ciphertext.length,
        createdAt: now,
      },
    });
    return appendChange(tx, { membersOf: chatId }, { kind: 'message:edit', chatId, entityId: messageId });
  });
  deps.changes.publish(committed);
  return { version: body.version, ciphertext: body.ciphertext, editedAt: now.toISOString() };
}

export async function listMessageEdits(
  deps: Deps,
  auth: AuthContext,
  chatId: string,
  messageId: string,
): Promise<ResponseOf<typeof api.listMessageEdits>> {
  await requireMembership(deps.db, chatId, auth.userId);
  await visibleMessage(deps.db, chatId, messageId, auth.userId);
  const rows = await deps.db.messageEdit.findMany({ where: { messageId }, orderBy: { version: 'asc' } });
  return {
    edits: rows.map((r) => ({ version: r.version, ciphertext: r.ciphertext, editedAt: r.createdAt.toISOString() })),
  };
}

/**
 * Delete for everyone: the body and every edit leave the server in one transaction; the row stays as a
 * tombstone (ciphertext "", deletedAt) so members' devices remove their copies and the id is never reused.
 */
export async function deleteMessage(
  deps: Deps,
  auth: AuthContext,
  chatId: string,
  messageId: string,
): Promise<ResponseOf<typeof api.deleteMessage>> {
  await requireMembership(deps.db, chatId, auth.userId);
  const now = new Date();
  const committed = await deps.db.$transaction(async (tx) => {
    const message = await visibleMessage(tx, chatId, messageId, auth.userId);
    requireAuthor(message, auth, 'delete');
    if (message.deletedAt) throw errors.conflict('this message was deleted already');
    const updated = await tx.message.updateMany({
      where: { id: messageId, deletedAt: null },
      data: { deletedAt: now, ciphertext: '', size: 0, editCiphertext: null },
    });
    if (updated.count !== 1) throw errors.conflict('this message was deleted already');
    await tx.messageEdit.deleteMany({ where: { messageId } });
    // The chat's byte total counts original bodies (what sendMessage added); the count keeps the tombstone.
    await tx.chat.update({ where: { id: chatId }, data: { messageBytes: { decrement: message.size } } });
    return appendChange(tx, { membersOf: chatId }, { kind: 'message:delete', chatId, entityId: messageId });
  });
  deps.changes.publish(committed);
  return { messageId, deletedAt: now.toISOString() };
}

/** Delete for me: only this user's devices hear of it (their own change log). */
export async function hideMessage(
  deps: Deps,
  auth: AuthContext,
  chatId: string,
  messageId: string,
): Promise<ResponseOf<typeof api.hideMessage>> {
  await requireMembership(deps.db, chatId, auth.userId);
  const committed = await deps.db.$transaction(async (tx) => {
    const message = await tx.message.findUnique({
      where: { id: messageId },
      include: { hiddenBy: { where: { userId: auth.userId }, select: { userId: true } } },
    });
    if (!message || message.chatId !== chatId) throw errors.notFound('message');
    if (message.hiddenBy.length > 0) throw errors.conflict('this message was deleted for you already');
    await tx.hiddenMessage.create({ data: { userId: auth.userId, messageId, chatId } });
    return appendChange(tx, [auth.userId], { kind: 'message:hide', chatId, entityId: messageId });
  });
  deps.changes.publish(committed);
  return { messageId };
}
