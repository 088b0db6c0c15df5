import type { SyncPlan } from '../../../../common/contract';
import type { Db } from '../../db/client';

export const PHASE2_CHATS = 10;

/**
 * Which chats a fresh device gets, in which order: phase 1 is the chat the user last opened (on any
 * device), phase 2 the 10 most recently updated after it, phase 3 the rest up to the budget.
 */
export async function computeSyncPlan(db: Db, userId: string, maxChats: number): Promise<SyncPlan> {
  const [lastOpened, recent] = await Promise.all([
    db.chatMember.findFirst({
      where: { userId, lastOpenedAt: { not: null } },
      orderBy: [{ lastOpenedAt: 'desc' }, { chatId: 'asc' }],
      select: { chatId: true },
    }),
    db.chat.findMany({
      where: { members: { some: { userId } } },
      orderBy: [{ updatedAt: 'desc' }, { id: 'asc' }],
      take: maxChats,
      select: { id: true },
    }),
  ]);
  const phase1 = lastOpened ? [lastOpened.chatId] : [];
  const rest = recent.map((c) => c.id).filter((id) => id !== lastOpened?.chatId);
  const budget = Math.max(0, maxChats - phase1.length);
  return {
    phase1,
    phase2: rest.slice(0, Math.min(PHASE2_CHATS, budget)),
    phase3: rest.slice(Math.min(PHASE2_CHATS, budget), budget),
  };
}

export function planOrder(plan: SyncPlan): Array<{ chatId: string; phase: 1 | 2 | 3 }> {
  return [
    ...plan.phase1.map((chatId) => ({ chatId, phase: 1 as const })),
    ...plan.phase2.map((chatId) => ({ chatId, phase: 2 as const })),
    ...plan.phase3.map((chatId) => ({ chatId, phase: 3 as const })),
  ];
}
