import type { ChatSummary } from '../../../../common/contract';
import type { Db } from '../../db/client';
import { errors } from '../../errors';

// The caller's own key copies only (every version it holds): other members' copies never leave the server.
function include(userId: string) {
  return {
    members: { select: { userId: true, role: true, lastOpenedAt: true, pinned: true } },
    keys: {
      where: { userId },
      select: { keyVersion: true, wrappedChatKey: true, sealedChatKey: true },
      orderBy: { keyVersion: 'asc' },
    },
  } as const;
}

type ChatRow = NonNullable<Awaited<ReturnType<typeof findChat>>>;

function findChat(db: Db, chatId: string, userId: string) {
  return db.chat.findUnique({ where: { id: chatId }, include: include(userId) });
}

/** Row → wire: the caller's own key copy and per-member state are picked out of the member list. */
export function toChatSummary(chat: ChatRow, userId: string): ChatSummary {
  const mine = chat.members.find((m) => m.userId === userId);
  const current = chat.keys.find((k) => k.keyVersion === chat.keyVersion);
  return {
    chatId: chat.id,
    createdByUserId: chat.createdByUserId,
    encryptedMeta: chat.encryptedMeta,
    metaVersion: chat.metaVersion,
    createdAt: chat.createdAt.toISOString(),
    updatedAt: chat.updatedAt.toISOString(),
    members: chat.members.map((m) => ({ userId: m.userId, role: m.role === 'owner' ? 'owner' : 'member' })),
    wrappedChatKey: current?.wrappedChatKey ?? null,
    sealedChatKey: current?.sealedChatKey ?? null,
    lastOpenedAt: mine?.lastOpenedAt?.toISOString() ?? null,
    pinned: mine?.pinned ?? false,
    messageCount: chat.messageCount,
    keyVersion: chat.keyVersion,
    rotationDue: chat.rotationDue,
    myKeys: chat.keys.map((k) => ({
      keyVersion: k.keyVersion,
      wrappedChatKey: k.wrappedChatKey,
      sealedChatKey: k.sealedChatKey,
    })),
  };
}

export async function loadChatSummary(db: Db, chatId: string, userId: string): Promise<ChatSummary> {
  const chat = await findChat(db, chatId, userId);
  if (!chat) throw new Error(`chat ${chatId} vanished`);
  return toChatSummary(chat, userId);
}

/** The chat as `userId` sees it, or null once it is gone or they are no longer in it (a late change). */
export async function loadMemberChatSummary(db: Db, chatId: string, userId: string): Promise<ChatSummary | null> {
  const chat = await findChat(db, chatId, userId);
  if (!chat || !chat.members.some((m) => m.userId === userId)) return null;
  return toChatSummary(chat, userId);
}

/** The user's chats as rows, most recently updated first (callers that need more than the wire shape). */
export function listChatRows(db: Db, userId: string): Promise<ChatRow[]> {
  return db.chat.findMany({
    where: { members: { some: { userId } } },
    include: include(userId),
    orderBy: [{ updatedAt: 'desc' }, { id: 'asc' }],
  });
}

export async function listChatSummaries(db: Db, userId: string): Promise<ChatSummary[]> {
  return (await listChatRows(db, userId)).map((chat) => toChatSummary(chat, userId));
}

/**
 * One page of the user's chats in the order of `listChatRows`, after the chat `after` (a member's chat:
 * anything else is refused as bad input, so the cursor can't probe other users' chats). The anchor is read
 * as it is now: a chat that moved since its page was served continues the list from its new place.
 */
export async function listChatSummaryPage(
  db: Db,
  userId: string,
  limit: number,
  after: string | undefined,
): Promise<{ chats: ChatSummary[]; nextAfter: string | null }> {
  let anchor: { updatedAt: Date; id: string } | null = null;
  if (after !== undefined) {
    const member = await db.chatMember.findUnique({
      where: { chatId_userId: { chatId: after, userId } },
      include: { chat: { select: { updatedAt: true, id: true } } },
    });
    if (!member) throw errors.validation('query.after: not one of your chats');
    anchor = member.chat;
  }
  const rows = await db.chat.findMany({
    where: {
      members: { some: { userId } },
      ...(anchor
        ? {
            OR: [{ updatedAt: { lt: anchor.updatedAt } }, { updatedAt: anchor.updatedAt, id: { gt: anchor.id } }],
          }
        : {}),
    },
    include: include(userId),
    orderBy: [{ updatedAt: 'desc' }, { id: 'asc' }],
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  return {
    chats: page.map((chat) => toChatSummary(chat, userId)),
    nextAfter: rows.length > limit ? page[page.length - 1]!.id : null,
  };
}
