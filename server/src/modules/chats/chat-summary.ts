import type { ChatSummary } from '../../../../common/contract';
import type { Db } from '../../db/client';

const include = {
  members: {
    select: { userId: true, role: true, wrappedChatKey: true, sealedChatKey: true, lastOpenedAt: true, pinned: true },
  },
} as const;

type ChatRow = NonNullable<Awaited<ReturnType<typeof findChat>>>;

function findChat(db: Db, chatId: string) {
  return db.chat.findUnique({ where: { id: chatId }, include });
}

/** Row → wire: the caller's own key copy and per-member state are picked out of the member list. */
export function toChatSummary(chat: ChatRow, userId: string): ChatSummary {
  const mine = chat.members.find((m) => m.userId === userId);
  return {
    chatId: chat.id,
    createdByUserId: chat.createdByUserId,
    encryptedMeta: chat.encryptedMeta,
    metaVersion: chat.metaVersion,
    createdAt: chat.createdAt.toISOString(),
    updatedAt: chat.updatedAt.toISOString(),
    members: chat.members.map((m) => ({ userId: m.userId, role: m.role === 'owner' ? 'owner' : 'member' })),
    wrappedChatKey: mine?.wrappedChatKey ?? null,
    sealedChatKey: mine?.sealedChatKey ?? null,
    lastOpenedAt: mine?.lastOpenedAt?.toISOString() ?? null,
    pinned: mine?.pinned ?? false,
    messageCount: chat.messageCount,
  };
}

export async function loadChatSummary(db: Db, chatId: string, userId: string): Promise<ChatSummary> {
  const chat = await findChat(db, chatId);
  if (!chat) throw new Error(`chat ${chatId} vanished`);
  return toChatSummary(chat, userId);
}

/** The user's chats as rows, most recently updated first (callers that need more than the wire shape). */
export function listChatRows(db: Db, userId: string): Promise<ChatRow[]> {
  return db.chat.findMany({
    where: { members: { some: { userId } } },
    include,
    orderBy: [{ updatedAt: 'desc' }, { id: 'asc' }],
  });
}

export async function listChatSummaries(db: Db, userId: string): Promise<ChatSummary[]> {
  return (await listChatRows(db, userId)).map((chat) => toChatSummary(chat, userId));
}
