import type { api, BodyOf, MessageStatus, ResponseOf } from '../../../../common/contract';
import type { AuthContext } from '../../http/authenticate';
import { errors } from '../../errors';
import type { ServerDeps } from '../../server-deps';
import { appendChange, type CommittedChange } from '../changes/change-log';
import { requireMembership } from '../chats/chat-access';
import { summaryStatus } from './receipts';

type Deps = Pick<ServerDeps, 'db' | 'changes'>;

/**
 * Records the caller's receipts (docs/MESSAGES.md): one row per (message, recipient), delivered then read,
 * never moving back (a second "delivered" after "read" changes nothing). Every message must be in this chat
 * and written by someone else, else nothing is stored. Each changed receipt is one `message:status` change
 * for the sender's and the reader's devices — for every member when it moves the message's summary status
 * (what clients knowing one status show).
 */
export async function recordReceipts(
  deps: Deps,
  auth: AuthContext,
  chatId: string,
  body: BodyOf<typeof api.markMessages>,
): Promise<ResponseOf<typeof api.markMessages>> {
  await requireMembership(deps.db, chatId, auth.userId);
  const ids = [...new Set(body.messageIds)];
  const rows = await deps.db.message.findMany({
    where: { id: { in: ids }, chatId, hiddenBy: { none: { userId: auth.userId } } },
    select: { id: true, senderUserId: true, status: true },
  });
  const found = new Set(rows.map((r) => r.id));
  const missing = ids.find((id) => !found.has(id));
  // Another chat's message answers like an unknown one: ids of chats you're not in reveal nothing.
  if (missing) throw errors.notFound(`message ${missing} in this chat`);
  const own = rows.find((r) => r.senderUserId === auth.userId);
  if (own) throw errors.validation(`message ${own.id} is your own: receipts are for messages from others`);

  const reading = body.status === 'read';
  const now = new Date();
  const { updated, committed } = await deps.db.$transaction(async (tx) => {
    const existing = new Map(
      (await tx.messageReceipt.findMany({ where: { messageId: { in: ids }, userId: auth.userId } })).map((r) => [
        r.messageId,
        r,
      ]),
    );
    const members = (await tx.chatMember.findMany({ where: { chatId }, select: { userId: true } })).map(
      (m) => m.userId,
    );
    const updated: Array<{ messageId: string; status: MessageStatus }> = [];
    const committed: CommittedChange[] = [];
    for (const row of rows) {
      const before = existing.get(row.id);
      if (before && (before.readAt || !reading)) continue; // already there or further: never backwards
      const readAt = reading ? now : null;
      await tx.messageReceipt.upsert({
        where: { messageId_userId: { messageId: row.id, userId: auth.userId } },
        create: { messageId: row.id, userId: auth.userId, chatId, deliveredAt: now, readAt },
        update: { readAt },
      });
      updated.push({ messageId: row.id, status: reading ? 'read' : 'delivered' });
      const receipts = await tx.messageReceipt.findMany({ where: { messageId: row.id } });
      const current = row.status as MessageStatus;
      const summary = summaryStatus(
        current,
        members.filter((u) => u !== row.senderUserId),
        receipts,
      );
      if (summary !== current) await tx.message.update({ where: { id: row.id }, data: { status: summary } });
      const audience = summary !== current ? { membersOf: chatId } : [row.senderUserId, auth.userId];
      committed.push(...(await appendChange(tx, audience, { kind: 'message:status', chatId, entityId: row.id })));
    }
    return { updated, committed };
  });
  deps.changes.publish(committed);
  return { updated };
}
