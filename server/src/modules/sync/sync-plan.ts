import { FIRST_SCREEN_MESSAGES, SyncPlan } from '../../../../common/contract';
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

/**
 * How a plan's history is walked. `chat-by-chat` (plans stored before 2026-12): each chat's whole history,
 * one chat after another. `screens-first`: in phases 2 and 3, the newest screen of every chat of the phase
 * comes first, then the rest of each — so the 10 most recent chats (and then the whole list) are readable
 * after 10 screens instead of after 9 chats' entire histories. The walk is stored with the plan: a resumed
 * sync walks the way it started, whatever this server's default.
 */
export type PlanWalk = 'chat-by-chat' | 'screens-first';

/**
 * One stretch of one chat's history, newest first: rows from `from` (rows of the chat skipped) up to
 * `until` (exclusive; null = to the oldest). A position's offset counts rows from the chat's newest, so it
 * lies in [from, until] of its step; only the step that reaches the oldest row completes the chat.
 */
export interface WalkStep {
  readonly chatId: string;
  readonly phase: 1 | 2 | 3;
  readonly from: number;
  readonly until: number | null;
}

/** The steps of a plan's walk; a position's chat index is an index into these. */
export function planWalk(plan: SyncPlan, walk: PlanWalk): WalkStep[] {
  const whole = (chatId: string, phase: 1 | 2 | 3): WalkStep => ({ chatId, phase, from: 0, until: null });
  if (walk === 'chat-by-chat') return planOrder(plan).map((c) => whole(c.chatId, c.phase));
  const screensFirst = (chats: readonly string[], phase: 2 | 3): WalkStep[] => [
    ...chats.map((chatId) => ({ chatId, phase, from: 0, until: FIRST_SCREEN_MESSAGES })),
    ...chats.map((chatId) => ({ chatId, phase, from: FIRST_SCREEN_MESSAGES, until: null })),
  ];
  // Phase 1 is one chat: its first screen is already sent on its own before the rest (fresh-sync.ts).
  return [
    ...plan.phase1.map((chatId) => whole(chatId, 1)),
    ...screensFirst(plan.phase2, 2),
    ...screensFirst(plan.phase3, 3),
  ];
}

/** A plan as the device row stores it: the contract's plan and how it is walked. */
export interface StoredPlan {
  readonly plan: SyncPlan;
  readonly walk: PlanWalk;
}

/** The device row's `syncPlan` text; plans stored before the walk was recorded were walked chat by chat. */
export function readStoredPlan(text: string | null): StoredPlan | null {
  if (!text) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  const plan = SyncPlan.safeParse(raw);
  if (!plan.success) return null;
  const walk = (raw as { walk?: unknown }).walk === 'screens-first' ? 'screens-first' : 'chat-by-chat';
  return { plan: plan.data, walk };
}

export function storedPlanText(stored: StoredPlan): string {
  return JSON.stringify({ ...stored.plan, walk: stored.walk });
}
