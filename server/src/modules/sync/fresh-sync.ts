import {
  FIRST_SCREEN_MESSAGES,
  type FreshPosition,
  formatFreshPosition,
  type HeldChat,
  type SyncEventPayload,
  type SyncPhase,
  type SyncPlan,
} from '../../../../common/contract';
import type { Config } from '../../config';
import type { Db } from '../../db/client';
import type { Metrics } from '../../observability/metrics';
import { listChatRows, toChatSummary } from '../chats/chat-summary';
import { receiptViews } from '../messages/message-row';
import { HistoryBatch } from './history-batch';
import { type HistoryCursor, type HistoryRow, historyRowJson, readHistoryPage } from './history-page';
import { HistoryPacer } from './history-pacer';
import type { SseWriter } from './sse-writer';
import { computeSyncPlan, planOrder, planWalk, type StoredPlan, storedPlanText } from './sync-plan';

/** The raw history page (history-page.ts), for tests that check it against the model query. */
export { type HistoryCursor, type HistoryRow, historyRowJson, readHistoryPage } from './history-page';

const PHASE_EVENTS = {
  1: 'phase_1_last_chat_ready',
  2: 'phase_2_last_10_chats_ready',
  3: 'phase_3_last_100_chats_ready',
} as const;

/**
 * Rows one history query reads at most. A batch the desktop stores (SYNC_BATCH_MESSAGES, 2,000) is
 * filled from several such pages: what the server holds at once for a stream is one page of rows plus
 * one batch of wire text, and one page is a short turn on the event loop (HistoryPacer).
 */
export const HISTORY_PAGE_ROWS = 250;

/** History pages read at once across all the streams of one database client (see HistoryPacer). */
const HISTORY_READERS = 2;
const pacers = new WeakMap<Db, HistoryPacer>();

/** The pacer of a database client: one per server (tests run several servers in one process). */
export function historyPacer(db: Db): HistoryPacer {
  let pacer = pacers.get(db);
  if (!pacer) pacers.set(db, (pacer = new HistoryPacer(HISTORY_READERS)));
  return pacer;
}

/** What preparing a fresh sync reads: the database and the batch size. */
export interface FreshSyncDeps {
  readonly db: Db;
  readonly config: Pick<Config, 'syncBatchMessages'>;
}

/** What streaming the history uses besides: the batch bounds and the phase metrics. */
export interface HistoryStreamDeps {
  readonly db: Db;
  readonly config: Pick<Config, 'syncBatchMessages' | 'syncBatchBytes'>;
  readonly metrics: Pick<Metrics, 'syncPhases' | 'syncPhaseDuration'>;
}

/** A fresh sync up to its first history: what the stream writes first, computed at once or ahead (FreshSyncPreparations). */
export interface PreparedFreshSync {
  /** The chat budget it was planned for. */
  readonly maxChats: number;
  readonly snapshotSeq: number;
  readonly plan: SyncPlan;
  /** The plan with its walk, as stored on the device row (what a resume walks again). */
  readonly stored: StoredPlan;
  readonly manifest: SyncEventPayload<'sync:initial'>;
  /** The last opened chat's first page (its newest screen), read ahead; null when the plan has no phase 1. */
  readonly firstScreen: { readonly chatId: string; readonly rows: HistoryRow[] } | null;
}

/** The size of the last opened chat's first batch (never more than a batch). */
function firstScreenSize(deps: FreshSyncDeps): number {
  return Math.min(FIRST_SCREEN_MESSAGES, deps.config.syncBatchMessages);
}

/** A relinked desktop's kept chats by id (HeldHistory). */
export type HeldChats = ReadonlyMap<string, HeldChat>;
const NO_HELD: HeldChats = new Map();

/**
 * Prepares a fresh sync: snapshot seq, plan (stored on the device for resume), manifest, and the last
 * opened chat's first screen. O(chats) plus one page: the chat rows carry their message totals.
 */
export async function prepareFreshSync(
  deps: FreshSyncDeps,
  userId: string,
  deviceId: string,
  maxChats: number,
  /** What a relinked desktop already holds, by chat (HeldHistory): those chats send only what it lacks. */
  held: HeldChats = NO_HELD,
): Promise<PreparedFreshSync> {
  const { lastSeq: snapshotSeq } = await deps.db.user.findUniqueOrThrow({
    where: { id: userId },
    select: { lastSeq: true },
  });
  const plan = await computeSyncPlan(deps.db, userId, maxChats);
  const stored: StoredPlan = { plan, walk: 'screens-first' };
  await deps.db.device.update({
    where: { id: deviceId },
    data: { syncPlanSeq: snapshotSeq, syncPlan: storedPlanText(stored) },
  });

  const inPlan = new Set(planOrder(plan).map((c) => c.chatId));
  const all = await listChatRows(deps.db, userId);
  const rows = all.filter((c) => inPlan.has(c.id));
  const chats = rows.map((row) => toChatSummary(row, userId));
  const lastOpened = plan.phase1[0] ?? null;
  return {
    maxChats,
    snapshotSeq,
    plan,
    stored,
    manifest: {
      snapshotSeq,
      lastOpenedChatId: lastOpened,
      chats,
      plan,
      totals: {
        chats: chats.length,
        messages: chats.reduce((n, c) => n + c.messageCount, 0),
        bytes: rows.reduce((n, c) => n + Number(c.messageBytes), 0),
        chatsOnServer: all.length,
      },
    },
    firstScreen: lastOpened
      ? {
          chatId: lastOpened,
          rows: await readHistoryPage(
            deps.db,
            userId,
            lastOpened,
            null,
            0,
            firstScreenSize(deps),
            held.get(lastOpened),
          ),
        }
      : null,
  };
}

/** Writes the manifest (`sync:initial`) of a prepared fresh sync. */
export async function sendManifest(writer: SseWriter, prepared: PreparedFreshSync): Promise<void> {
  await writer.send(
    'sync:initial',
    prepared.manifest,
    formatFreshPosition({ snapshotSeq: prepared.snapshotSeq, chatIndex: 0, offset: 0 }),
  );
}

/** What a history stream sent (phases skipped on a resume have no time); for the completion log line. */
export interface HistorySummary {
  messages: number;
  /** Ciphertext bytes of those messages. */
  bytes: number;
  phaseMs: Partial<Record<SyncPhase, number>>;
}

/**
 * Streams the plan's history from `from` on, in `message:sync` batches bounded by count and bytes, step by
 * step of the plan's walk (`planWalk`: chat by chat, or each phase's newest screens first). A batch may
 * hold several steps but never crosses a phase boundary. Every batch's id is the position after its last
 * message (step index, offset within that step's chat), and each phase-ready event's id is the first
 * position of the next phase — so the desktop's stored Last-Event-ID resumes exactly here.
 * On a resume, the ready events of phases already complete are sent again (the desktop treats them
 * idempotently): the event itself may be what was lost.
 */
export async function streamHistory(
  deps: HistoryStreamDeps,
  writer: SseWriter,
  snapshotSeq: number,
  { plan, walk }: StoredPlan,
  from: FreshPosition,
  /** Runs right after each phase-ready event (the settings travel after phase 2). */
  afterPhase: (phase: SyncPhase, id: string) => Promise<void> = async () => {},
  /** The last opened chat's first page, read ahead (PreparedFreshSync); used when the history starts there. */
  firstScreenRows: PreparedFreshSync['firstScreen'] = null,
  /** Whose history: their deleted-for-me messages are skipped. */
  userId = '',
  /** A relinked desktop's kept chats: only what it lacks of them (the same on every resume of the plan). */
  held: HeldChats = NO_HELD,
): Promise<HistorySummary | null> {
  const steps = planWalk(plan, walk);
  const summary: HistorySummary = { messages: 0, bytes: 0, phaseMs: {} };
  const { syncBatchMessages, syncBatchBytes } = deps.config;
  const phases: Array<{ phase: SyncPhase; start: number; end: number }> = [];
  let start = 0;
  for (const phase of [1, 2, 3] as const) {
    const size = steps.filter((step) => step.phase === phase).length;
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
    const batch = new HistoryBatch();
    let last = { index: first, offset: 0 };
    const flush = async () => {
      if (batch.isEmpty) return;
      stats.messages += batch.messages;
      stats.bytes += batch.bytes;
      await writer.sendParts('message:sync', batch.take(phase), position(last.index, last.offset));
    };

    for (let index = Math.max(first, from.chatIndex); index < end; index++) {
      const step = steps[index]!;
      const chatId = step.chatId;
      let offset = index === from.chatIndex ? Math.max(from.offset, step.from) : step.from;
      if (step.until !== null && offset >= step.until) continue;
      // The last opened chat's first page is one screenful, sent on its own: the desktop can show the
      // conversation the user left while the rest of its history follows.
      let firstScreen = phase === 1 && offset === 0;
      const prepared = firstScreen ? firstScreenRows : null;
      // Newest first, so whatever has arrived is the part a user reads. Pages follow the last row sent
      // (keyset), not an OFFSET: an offset makes the database walk every row before it again for each
      // page (a 5,000-message chat cost 10 ever-longer scans). The offset is still counted: it is the
      // resume position in the event id, and a resumed chat starts with one OFFSET query. Messages that
      // arrive meanwhile only shift a resumed offset towards re-sending rows (idempotent), never skipping.
      let after: HistoryCursor | null = null;
      for (;;) {
        if (writer.closed) return null;
        const want = firstScreen
          ? firstScreenSize(deps)
          : Math.min(HISTORY_PAGE_ROWS, syncBatchMessages - batch.messages, (step.until ?? Infinity) - offset);
        const readAhead: HistoryRow[] | null =
          firstScreen && after === null && prepared?.chatId === chatId ? prepared.rows : null;
        const cursor = after;
        const rows: HistoryRow[] =
          readAhead ??
          (await historyPacer(deps.db).turn(() =>
            readHistoryPage(deps.db, userId, chatId, cursor, offset, want, held.get(chatId)),
          ));
        // The user's own receipts and those on their messages: a new device shows the same ticks.
        const views = rows.length ? await receiptViews(deps.db, userId, rows) : new Map();
        for (const row of rows) {
          batch.addJson(historyRowJson(row, views.get(row.id)), row.size);
          last = { index, offset: ++offset };
          // Bounded by bytes as well, inside a page too: one envelope may be large.
          if (batch.bytes >= syncBatchBytes) await flush();
        }
        last = { index, offset };
        const tail = rows.at(-1);
        if (tail) after = { at: tail.at, id: tail.id };
        if (rows.length < want) {
          // Only the step that reads to the oldest row completes the chat (a screen step that found fewer
          // rows leaves that to the chat's last step, which finds none): each chat completes exactly once.
          if (step.until === null) {
            batch.completed(chatId);
            stats.chats++;
          }
          break;
        }
        if (firstScreen || batch.messages >= syncBatchMessages) await flush();
        firstScreen = false;
        if (step.until !== null && offset >= step.until) break;
      }
    }
    await flush();
    if (writer.closed) return null;
    await writer.send(PHASE_EVENTS[phase], stats, position(end, 0));
    await afterPhase(phase, position(end, 0));
    deps.metrics.syncPhases.inc({ phase: String(phase) });
    deps.metrics.syncPhaseDuration.observe({ phase: String(phase) }, (Date.now() - began) / 1000);
    summary.phaseMs[phase] = Date.now() - began;
    summary.messages += stats.messages;
    summary.bytes += stats.bytes;
  }
  return writer.closed ? null : summary;
}
