import { type api, type BodyOf, type MessageRecord, type QueryOf, type ResponseOf } from '../../../../common/contract';
import type { AuthContext } from '../../http/authenticate';
import { errors } from '../../errors';
import type { ServerDeps } from '../../server-deps';
import { bindAttachments } from '../attachments/attachment-binding';
import { appendChange } from '../changes/change-log';
import { requireMembership } from '../chats/chat-access';
import { toMessageRecord, toViewerRecords } from './message-row';

/** What these use-cases touch: the database, and the change bus that wakes streams after a commit. */
type Deps = Pick<ServerDeps, 'db' | 'changes'>;

export interface SendResult {
  readonly message: MessageRecord;
  /** true when the same (device, clientKey) was sent before: nothing new was stored. */
  readonly replayed: boolean;
}

/**
 * Idempotent by the sender device's client key: a retry after a lost response (or an outbox replay)
 * returns the stored message instead of storing it twice. The same key with a different message id is a
 * client bug and is refused.
 */
export async function sendMessage(
  deps: Deps,
  auth: AuthContext,
  chatId: string,
  body: BodyOf<typeof api.sendMessage>,
): Promise<SendResult> {
  await requireMembership(deps.db, chatId, auth.userId);
  const previous = await deps.db.message.findUnique({
    where: { senderDeviceId_clientKey: { senderDeviceId: auth.deviceId, clientKey: body.clientKey } },
  });
  if (previous) {
    if (previous.id !== body.messageId || previous.chatId !== chatId) {
      throw errors.conflict('this client key was already used for another message');
    }
    return { message: toMessageRecord(previous), replayed: true };
  }
  if (await deps.db.message.findUnique({ where: { id: body.messageId }, select: { id: true } })) {
    throw errors.conflict('a message with this id exists already');
  }
  const keyVersion = body.keyVersion ?? 1;
  const now = new Date();
  const { row, committed } = await deps.db.$transaction(async (tx) => {
    // Checked inside the transaction: a membership change committed meanwhile is seen (docs/GROUPS.md).
    const chat = await tx.chat.findUniqueOrThrow({
      where: { id: chatId },
      select: { keyVersion: true, rotationDue: true },
    });
    if (chat.keyVersion !== keyVersion)
      throw errors.staleVersion(
        `the chat's key is at version ${chat.keyVersion}: this message was written under version ${keyVersion}`,
      );
    if (chat.rotationDue)
      throw errors.staleVersion('a member left this chat: the key must be rotated before anyone writes again');
    const row = await tx.message.create({
      data: {
        id: body.messageId,
        chatId,
        senderUserId: auth.userId,
        senderDeviceId: auth.deviceId,
        clientKey: body.clientKey,
        ciphertext: body.ciphertext,
        size: body.ciphertext.length,
        createdAt: now,
        keyVersion,
      },
    });
    if (body.attachmentIds) await bindAttachments(tx, body.attachmentIds, auth.userId, row.id, now);
    await tx.chat.update({
      where: { id: chatId },
      data: { updatedAt: now, messageCount: { increment: 1 }, messageBytes: { increment: row.size } },
    });
    const committed = await appendChange(
      tx,
      { membersOf: chatId },
      {
        kind: 'message:new',
        chatId,
        entityId: row.id,
      },
    );
    return { row, committed };
  });
  deps.changes.publish(committed);
  return { message: toMessageRecord(row), replayed: false };
}

export async function listMessages(
  deps: Deps,
  auth: AuthContext,
  chatId: string,
  query: QueryOf<typeof api.listMessages>,
): Promise<ResponseOf<typeof api.listMessages>> {
  await requireMembership(deps.db, chatId, auth.userId);
  let olderThan: { createdAt: Date; id: string } | undefined;
  if (query.before) {
    const anchor = await deps.db.message.findUnique({ where: { id: query.before } });
    if (!anchor || anchor.chatId !== chatId) throw errors.validation('query.before: not a message of this chat');
    olderThan = { createdAt: anchor.createdAt, id: anchor.id };
  }
  // Newest first, one extra row to know whether another page exists; returned oldest → newest.
  const rows = await deps.db.message.findMany({
    where: {
      chatId,
      hiddenBy: { none: { userId: auth.userId } },
      ...(olderThan
        ? {
            OR: [
              { createdAt: { lt: olderThan.createdAt } },
              { createdAt: olderThan.createdAt, id: { lt: olderThan.id } },
            ],
          }
        : {}),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  const hasMore = rows.length > query.limit;
  return {
    messages: await toViewerRecords(deps.db, auth.userId, page.reverse()),
    nextBefore: hasMore ? (page[0]?.id ?? null) : null,
  };
}

/** Receipts per recipient: receipts.use-cases.ts. */
export { recordReceipts as markMessages } from './receipts.use-cases';
