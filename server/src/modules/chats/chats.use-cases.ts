import type { api, BodyOf, ChatSummary } from '../../../../common/contract';
import type { AuthContext } from '../../http/authenticate';
import { errors } from '../../errors';
import type { ServerDeps } from '../../server-deps';
import { appendChange } from '../changes/change-log';
import { requireMembership } from './chat-access';
import { loadChatSummary } from './chat-summary';

/** What these use-cases touch: the database, and the change bus that wakes streams after a commit. */
type Deps = Pick<ServerDeps, 'db' | 'changes'>;

export async function createChat(
  deps: Deps,
  auth: AuthContext,
  body: BodyOf<typeof api.createChat>,
): Promise<ChatSummary> {
  const others = body.members.map((m) => m.userId);
  if (others.includes(auth.userId))
    throw errors.validation('body.members: do not list yourself; you are always a member');
  if (new Set(others).size !== others.length) throw errors.validation('body.members: a user is listed twice');
  const known = await deps.db.user.count({ where: { id: { in: others } } });
  if (known !== others.length) throw errors.notFound('one of the member users');
  if (await deps.db.chat.findUnique({ where: { id: body.chatId }, select: { id: true } })) {
    throw errors.conflict('a chat with this id exists already');
  }
  const committed = await deps.db.$transaction(async (tx) => {
    await tx.chat.create({
      data: {
        id: body.chatId,
        createdByUserId: auth.userId,
        encryptedMeta: body.encryptedMeta,
        members: {
          create: [
            { userId: auth.userId, role: 'owner', wrappedChatKey: body.myWrappedChatKey },
            ...body.members.map((m) => ({
              userId: m.userId,
              role: 'member',
              wrappedChatKey: 'wrappedChatKey' in m ? m.wrappedChatKey : null,
              sealedChatKey: 'sealedChatKey' in m ? m.sealedChatKey : null,
            })),
          ],
        },
      },
    });
    return appendChange(tx, [auth.userId, ...others], { kind: 'chat:new', chatId: body.chatId });
  });
  deps.changes.publish(committed);
  return loadChatSummary(deps.db, body.chatId, auth.userId);
}

/** Metadata is versioned: an edit made from an older version is refused, the newer title stays. */
export async function updateChatMeta(
  deps: Deps,
  auth: AuthContext,
  chatId: string,
  body: BodyOf<typeof api.updateChatMeta>,
): Promise<ChatSummary> {
  await requireMembership(deps.db, chatId, auth.userId);
  const committed = await deps.db.$transaction(async (tx) => {
    const updated = await tx.chat.updateMany({
      where: { id: chatId, metaVersion: { lt: body.metaVersion } },
      data: { encryptedMeta: body.encryptedMeta, metaVersion: body.metaVersion },
    });
    if (updated.count === 0) throw errors.staleVersion('the chat was edited in a newer version already');
    await tx.chatMember.update({
      where: { chatId_userId: { chatId, userId: auth.userId } },
      data: { lastEditedAt: new Date() },
    });
    return appendChange(tx, { membersOf: chatId }, { kind: 'chat:update', chatId });
  });
  deps.changes.publish(committed);
  return loadChatSummary(deps.db, chatId, auth.userId);
}

export async function storeMyChatKey(deps: Deps, auth: AuthContext, chatId: string, wrappedChatKey: string) {
  await requireMembership(deps.db, chatId, auth.userId);
  await deps.db.chatMember.update({
    where: { chatId_userId: { chatId, userId: auth.userId } },
    data: { wrappedChatKey, sealedChatKey: null },
  });
}

export async function updateMyChatState(
  deps: Deps,
  auth: AuthContext,
  chatId: string,
  body: BodyOf<typeof api.updateMyChatState>,
): Promise<void> {
  await requireMembership(deps.db, chatId, auth.userId);
  const committed = await deps.db.$transaction(async (tx) => {
    await tx.chatMember.update({
      where: { chatId_userId: { chatId, userId: auth.userId } },
      data: {
        ...(body.opened ? { lastOpenedAt: new Date() } : {}),
        ...(body.pinned !== undefined ? { pinned: body.pinned } : {}),
      },
    });
    // Only this user's devices care about their own open/pin state.
    return appendChange(tx, [auth.userId], { kind: 'chat:update', chatId });
  });
  deps.changes.publish(committed);
}
