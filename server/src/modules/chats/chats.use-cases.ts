import type { api, BodyOf, ChatSummary } from '../../../../common/contract';
import type { AuthContext } from '../../http/authenticate';
import { errors } from '../../errors';
import type { ServerDeps } from '../../server-deps';
import { appendChange } from '../changes/change-log';
import { requireMembership } from './chat-access';
import { loadChatSummary } from './chat-summary';
import { checkEpoch } from './epoch-check';

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
  if (body.epoch) {
    const statement = await checkEpoch(deps.db, auth.userId, body.chatId, body.epoch, {
      keyVersion: 1,
      previousMembers: null,
      previousStatement: null,
    });
    if ([...statement.members].sort().join() !== [auth.userId, ...others].sort().join())
      throw errors.validation("body.epoch.statement: the members are not the chat's members");
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
        keys: {
          create: [
            { userId: auth.userId, keyVersion: 1, wrappedChatKey: body.myWrappedChatKey },
            ...body.members.map((m) => ({
              userId: m.userId,
              keyVersion: 1,
              wrappedChatKey: 'wrappedChatKey' in m ? m.wrappedChatKey : null,
              sealedChatKey: 'sealedChatKey' in m ? m.sealedChatKey : null,
            })),
          ],
        },
        ...(body.epoch
          ? {
              epochs: {
                create: {
                  keyVersion: 1,
                  actorUserId: auth.userId,
                  statement: body.epoch.statement,
                  signature: body.epoch.signature,
                },
              },
            }
          : {}),
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
  const keyVersion = body.keyVersion ?? 1;
  const committed = await deps.db.$transaction(async (tx) => {
    const chat = await tx.chat.findUniqueOrThrow({ where: { id: chatId }, select: { keyVersion: true } });
    if (chat.keyVersion !== keyVersion)
      throw errors.staleVersion(
        `the chat's key is at version ${chat.keyVersion}: write the metadata under it (this was ${keyVersion})`,
      );
    const updated = await tx.chat.updateMany({
      where: { id: chatId, keyVersion, metaVersion: { lt: body.metaVersion } },
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

/** The member re-wraps a sealed copy under its master key: only a copy it holds, of a version that exists. */
export async function storeMyChatKey(
  deps: Deps,
  auth: AuthContext,
  chatId: string,
  body: BodyOf<typeof api.storeMyChatKey>,
) {
  await requireMembership(deps.db, chatId, auth.userId);
  const chat = await deps.db.chat.findUniqueOrThrow({ where: { id: chatId }, select: { keyVersion: true } });
  const keyVersion = body.keyVersion ?? chat.keyVersion;
  const updated = await deps.db.chatKeyCopy.updateMany({
    where: { chatId, userId: auth.userId, keyVersion },
    data: { wrappedChatKey: body.wrappedChatKey, sealedChatKey: null },
  });
  if (updated.count === 0) throw errors.notFound(`your copy of key version ${keyVersion}`);
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
