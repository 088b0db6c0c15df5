import {
  FIRST_SCREEN_MESSAGES,
  type FreshPosition,
  formatFreshPosition,
  type SyncPhase,
  type SyncPlan,
} from '../../../../common/contract';
import type { ServerDeps } from '../../server-deps';
import { listChatRows, toChatSummary } from '../chats/chat-summary';
import { toMessageRecord } from '../messages/messages.use-cases';
import type { SseWriter } from './sse-writer';
import { computeSyncPlan, planOrder } from './sync-plan';

const PHASE_EVENTS = {
  1: 'phase_1_last_chat_ready',
  2: 'phase_2_last_10_chats_ready',
  3: 'phase_3_last_100_chats_ready',
} as const;

/** Starts a fresh sync: snapshot seq, plan (stored on the device for resume), manifest. */
export async function beginFreshSync(
  deps: ServerDeps,
  userId: string,
  deviceId: string,
  writer: SseWriter,
  maxChats: number,
): Promise<{ snapshotSeq: number; plan: SyncPlan }> {
  const { lastSeq: snapshotSeq } = await deps.db.user.findUniqueOrThrow({ where: { id: userId }, select: { lastSeq: true } });
  const plan = await computeSyncPlan(deps.db, userId, maxChats);
  await deps.db.device.update({ where: { id: deviceId }, data: { syncPlanSeq: snapshotSeq, syncPlan: JSON.stringify(plan) } });

  const inPlan = new Set(planOrder(plan).map((c) => c.chatId));
  const all = await listChatRows(deps.db, userId);
  const rows = all.filter((c) => inPlan.has(c.id));
  const chats = rows.map((row) => toChatSummary(row, userId));
  await writer.send(
    'sync:initial',
    {
      snapshotSeq,
      lastOpenedChatId: plan.phase1[0] ?? null,
      chats,
      plan,
      totals: {
        chats: chats.length,
        messages: chats.reduce((n, c) => n + c.messageCount, 0),
        bytes: rows.reduce((n, c) => n + Number(c.messageBytes), 0),
        chatsOnServer: all.length,
      },
    },
    formatFreshPosition({ snapshotSeq, chatIndex: 0, offset: 0 }),
  );
  return { snapshotSeq, plan };
}

/**
 * Streams the plan's history from `from` on, in `message:sync` batches bounded by count and bytes.
 * A batch may hold several small chats but never crosses a phase boundary. Every batch's id is the
 * position after its last message (chat index, offset within that chat), and each phase-ready event's id
 * is the first position of the next phase — so the desktop's stored Last-Event-ID resumes exactly here.
 * On a resume, the ready events of phases already complete are sent again (the desktop treats them
 * idempotently): the event itself may be what was lost.
 */
export async function streamHistory(
  deps: ServerDeps,
  writer: SseWriter,
  snapshotSeq: number,
  plan: SyncPlan,
  from: FreshPosition,
  /** Runs right after each phase-ready event (the settings travel after phase 2). */
  afterPhase: (phase: SyncPhase, id: string) => Promise<void> = async () => {},
): Promise<boolean> {
  const order = planOrder(plan);
  const { syncBatchMessages, syncBatchBytes } = deps.config;
  const phases: Array<{ phase: SyncPhase; start: number; end: number }> = [];
  let start = 0;
  for (const phase of [1, 2, 3] as const) {
    const size = plan[`phase${phase}`].length;
    phases.push({ phase, start, end: start + size });
    start += size;
  }

  for (const { phase, start: first, end } of phases) {
    const position = (chatIndex: number, offset: number) => formatFreshPosition({ snapshotSeq, chatIndex, offset });
    if (end < from.chatIndex || (end === from.chatIndex && from.offset === 0)) {
      await writer.send(PHASE_EVENTS[phase], { chats: 0, messages: 0, bytes: 0 }, position(end, 0));
      await afterPhase(phase, position(end, 0));
      continue;
    }
    const began = Date.now();
    const stats = { chats: 0, messages: 0, bytes: 0 };
    let batch: ReturnType<typeof toMessageRecord>[] = [];
    let batchBytes = 0;
    let completed: string[] = [];
    let last = { index: first, offset: 0 };
    const flush = async () => {
      if (batch.length === 0 && completed.length === 0) return;
      await writer.send('message:sync', { phase, messages: batch, chatsCompleted: completed }, position(last.index, last.offset));
      stats.messages += batch.length;
      stats.bytes += batchBytes;
      batch = [];
      batchBytes = 0;
      completed = [];
    };

    for (let index = Math.max(first, from.chatIndex); index < end; index++) {
      const chatId = order[index]!.chatId;
      let offset = index === from.chatIndex ? from.offset : 0;
      // The last opened chat's first page is one screenful, sent on its own: the desktop can show the
      // conversation the user left while the rest of its history follows.
      let firstScreen = phase === 1 && offset === 0;
      // Newest first, so whatever has arrived is the part a user reads. Pages follow the last row sent
      // (keyset), not an OFFSET: an offset makes the database walk every row before it again for each
      // page (a 5,000-message chat cost 10 ever-longer scans). The offset is still counted: it is the
      // resume position in the event id, and a resumed chat starts with one OFFSET query. Messages that
      // arrive meanwhile only shift a resumed offset towards re-sending rows (idempotent), never skipping.
      let after: { createdAt: Date; id: string } | null = null;
      for (;;) {
        if (writer.closed) return false;
        const want = firstScreen ? Math.min(FIRST_SCREEN_MESSAGES, syncBatchMessages) : syncBatchMessages - batch.length;
        const rows: Awaited<ReturnType<typeof deps.db.message.findMany>> = await deps.db.message.findMany({
          where: after
            ? { chatId, OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }
            : { chatId },
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          ...(after === null && offset > 0 ? { skip: offset } : {}),
          take: want,
        });
        for (const row of rows) {
          batch.push(toMessageRecord(row));
          batchBytes += row.size;
          last = { index, offset: ++offset };
          // Bounded by bytes as well, inside a page too: one envelope may be large.
          if (batchBytes >= syncBatchBytes) await flush();
        }
        last = { index, offset };
        const tail = rows.at(-1);
        if (tail) after = { createdAt: tail.createdAt, id: tail.id };
        if (rows.length < want) {
          completed.push(chatId);
          stats.chats++;
          break;
        }
        if (firstScreen || batch.length >= syncBatchMessages) await flush();
        firstScreen = false;
      }
    }
    await flush();
    if (writer.closed) return false;
    await writer.send(PHASE_EVENTS[phase], stats, position(end, 0));
    await afterPhase(phase, position(end, 0));
    deps.metrics.syncPhases.inc({ phase: String(phase) });
    deps.metrics.syncPhaseDuration.observe({ phase: String(phase) }, (Date.now() - began) / 1000);
  }
  return !writer.closed;
}
