import type { api, BodyOf, ChatSummary, ResponseOf } from '../../../../common/contract';
import { decodeStatement } from '../../../../common/trust/chat-epoch';
import type { AuthContext } from '../../http/authenticate';
import { errors } from '../../errors';
import type { ServerDeps } from '../../server-deps';
import { appendChange } from '../changes/change-log';
import { requireMembership } from './chat-access';
import { loadChatSummary } from './chat-summary';
import { checkEpoch } from './epoch-check';

type Deps = Pick<ServerDeps, 'db' | 'changes'>;

/**
 * Key version n+1 (docs/GROUPS.md): add members, remove members, or rotate after a leave. Checked first,
 * then written in one transaction whose update is conditional on the version still being n — two members
 * changing the chat at once: one wins, the other gets 409 stale_version and nothing of theirs is stored.
 */
export async function changeMembers(
  deps: Deps,
  auth: AuthContext,
  chatId: string,
  body: BodyOf<typeof api.changeMembers>,
): Promise<ChatSummary> {
  await requireMembership(deps.db, chatId, auth.userId);
  const chat = await deps.db.chat.findUniqueOrThrow({
    where: { id: chatId },
    select: { keyVersion: true, rotationDue: true, metaVersion: true, members: { select: { userId: true } } },
  });
  const current = chat.members.map((m) => m.userId).sort();
  const last = await deps.db.chatEpoch.findUnique({
    where: { chatId_keyVersion: { chatId, keyVersion: chat.keyVersion } },
  });
  const lastStatement = last ? decodeStatement(last.statement) : null;
  const draft = decodeStatement(body.epoch.statement);
  if (draft && chat.rotationDue && draft.action !== 'rotate')
    throw errors.conflict('a member left: rotate the key first (action "rotate"), then change the members');
  // Members as of the current statement. A leave removes a member from the table without a statement, so
  // a rotation names the leavers as its subjects; a chat from before statements has only the table.
  const previousMembers = lastStatement
    ? lastStatement.members
    : draft?.action === 'rotate'
      ? [...new Set([...current, ...draft.subjects])]
      : current;
  const statement = await checkEpoch(deps.db, auth.userId, chatId, body.epoch, {
    keyVersion: chat.keyVersion + 1,
    previousMembers,
    previousStatement: last?.statement ?? null,
  });
  if (statement.action === 'rotate' && statement.members.join() !== current.join())
    throw errors.validation('body.epoch.statement: a rotation keeps exactly the current members');
  if (statement.action === 'add') {
    const known = await deps.db.user.count({ where: { id: { in: statement.subjects } } });
    if (known !== statement.subjects.length) throw errors.notFound('one of the users to add');
  }
  const others = statement.members.filter((m) => m !== auth.userId).sort();
  const sealedTo = body.members.map((m) => m.userId).sort();
  if (sealedTo.join() !== others.join())
    throw errors.validation('body.members: the new key must be sealed to every other member, and only to them');
  if (body.metaVersion <= chat.metaVersion) throw errors.staleVersion('the chat was edited in a newer version already');

  const keyVersion = statement.keyVersion;
  const removed = current.filter((m) => !statement.members.includes(m));
  const added = statement.members.filter((m) => !current.includes(m));
  const committed = await deps.db.$transaction(async (tx) => {
    const moved = await tx.chat.updateMany({
      where: { id: chatId, keyVersion: chat.keyVersion },
      data: {
        keyVersion,
        rotationDue: false,
        encryptedMeta: body.encryptedMeta,
        metaVersion: body.metaVersion,
      },
    });
    if (moved.count === 0) throw errors.staleVersion('someone changed this chat first: reload it and try again');
    await tx.chatEpoch.create({
      data: {
        chatId,
        keyVersion,
        actorUserId: auth.userId,
        statement: body.epoch.statement,
        signature: body.epoch.signature,
      },
    });
    if (removed.length > 0) {
      await tx.chatMember.deleteMany({ where: { chatId, userId: { in: removed } } });
      await tx.chatKeyCopy.deleteMany({ where: { chatId, userId: { in: removed } } });
    }
    for (const userId of added) await tx.chatMember.create({ data: { chatId, userId, role: 'member' } });
    await tx.chatKeyCopy.createMany({
      data: [
        { chatId, userId: auth.userId, keyVersion, wrappedChatKey: body.myWrappedChatKey },
        ...body.members.map((m) => ({ chatId, userId: m.userId, keyVersion, sealedChatKey: m.sealedChatKey })),
      ],
    });
    // The chat's members now (the added ones see a new chat), and the removed ones: their devices drop it.
    const now = await appendChange(tx, { membersOf: chatId }, { kind: 'chat:update', chatId });
    const gone = removed.length > 0 ? await appendChange(tx, removed, { kind: 'chat:removed', chatId }) : [];
    return [...now, ...gone];
  });
  deps.changes.publish(committed);
  return loadChatSummary(deps.db, chatId, auth.userId);
}

export async function listEpochs(
  deps: Deps,
  auth: AuthContext,
  chatId: string,
): Promise<ResponseOf<typeof api.listEpochs>> {
  await requireMembership(deps.db, chatId, auth.userId);
  const rows = await deps.db.chatEpoch.findMany({ where: { chatId }, orderBy: { keyVersion: 'asc' } });
  return {
    epochs: rows.map((r) => ({
      keyVersion: r.keyVersion,
      actorUserId: r.actorUserId,
      statement: r.statement,
      signature: r.signature,
      createdAt: r.createdAt.toISOString(),
    })),
  };
}

/**
 * Leaving ends my membership and my key copies at once; the key is then due for rotation, so the next
 * writer makes a version I never get. The last member out deletes the chat (nobody could ever open it).
 */
export async function leaveChat(deps: Deps, auth: AuthContext, chatId: string): Promise<void> {
  await requireMembership(deps.db, chatId, auth.userId);
  const committed = await deps.db.$transaction(async (tx) => {
    // My devices drop the chat.
    const mine = await appendChange(tx, [auth.userId], { kind: 'chat:removed', chatId });
    await tx.chatMember.delete({ where: { chatId_userId: { chatId, userId: auth.userId } } });
    await tx.chatKeyCopy.deleteMany({ where: { chatId, userId: auth.userId } });
    await tx.draft.deleteMany({ where: { chatId, userId: auth.userId } });
    const left = await tx.chatMember.count({ where: { chatId } });
    if (left === 0) {
      await tx.chat.delete({ where: { id: chatId } });
      return mine;
    }
    await tx.chat.update({ where: { id: chatId }, data: { rotationDue: true } });
    return [...mine, ...(await appendChange(tx, { membersOf: chatId }, { kind: 'chat:update', chatId }))];
  });
  deps.changes.publish(committed);
}
