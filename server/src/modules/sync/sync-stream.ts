import type { Request, Response } from 'express';
import {
  formatFreshPosition,
  type HeldHistory,
  parseEventId,
  type SseConnectQuery,
  type SyncPhase,
} from '../../../../common/contract';
import type { AuthContext } from '../../http/authenticate';
import type { ServerDeps } from '../../server-deps';
import { type HeldChats, type PreparedFreshSync, prepareFreshSync, sendManifest, streamHistory } from './fresh-sync';
import { logCovers } from '../changes/log-retention';
import { loadContacts } from '../contacts/contacts.use-cases';
import { loadSettings } from '../settings/settings.use-cases';
import { LiveStream } from './live-stream';
import type { SseWriter } from './sse-writer';
import { recordAppliedPosition } from './sync-status';
import { readStoredPlan, type StoredPlan } from './sync-plan';

/**
 * `GET /sse/connect` (seed). The desktop sends the id of the last event it *applied* (from its own store,
 * not the transport's memory) as Last-Event-ID:
 * - a seq → it is a synced device (or a desktop relinked with its store: positions are per user): the
 *   changes after it, then live — or, when the log no longer reaches back to it, a fresh sync;
 * - a fresh-sync position of the plan stored for this device → the history resumes there;
 * - nothing (or a position of an older plan) → fresh sync: manifest, phases 1–3, cache_primed, live.
 * A browser (the phone web app) has no history to fill: it asks `?since=<seq>` (the changes after it,
 * like a seq Last-Event-ID) or `?from=now` (only what commits from now on) — `connected {mode: live}`.
 */
export async function openSyncStream(
  deps: SyncStreamDeps,
  auth: AuthContext,
  req: Request,
  res: Response,
  start: Pick<SseConnectQuery, 'since' | 'from' | 'until'> = {},
  /** A relinked desktop's kept history (HELD_HISTORY_HEADER): a fresh plan skips what it holds. */
  heldHistory: HeldHistory | null = null,
): Promise<void> {
  // Caps first: a refusal is still a JSON answer (nothing written yet).
  const writer = deps.streams.admit(res, auth);
  try {
    const lastEventId = parseEventId(
      req.get('last-event-id') ?? (typeof req.query.lastEventId === 'string' ? req.query.lastEventId : undefined),
    );
    const device = await deps.db.device.findUniqueOrThrow({ where: { id: auth.deviceId } });
    const held: HeldChats = new Map((heldHistory ?? []).map((chat) => [chat.chatId, chat]));
    const serverTime = new Date().toISOString();

    // A seq Last-Event-ID (the browser's own reconnect sends it too) wins over `since`.
    const since = lastEventId.kind === 'live' ? lastEventId.seq : start.since;
    // A position older than the change log keeps (CHANGE_LOG_RETENTION_DAYS): the changes after it are gone.
    // A device with a store gets a fresh plan (below); a browser is told so and starts live from now.
    let logExpired = false;
    if (since !== undefined) {
      const { lastSeq } = await deps.db.user.findUniqueOrThrow({
        where: { id: auth.userId },
        select: { lastSeq: true },
      });
      if (since > lastSeq) {
        await sendError(deps, writer, 'cursor_ahead', 'the device is ahead of the server; resync from scratch', false);
        writer.end();
        return;
      }
      logExpired = !(await logCovers(deps.db, auth.userId, since, lastSeq));
      if (logExpired && lastEventId.kind !== 'live') {
        await sendError(
          deps,
          writer,
          'cursor_expired',
          'the changes after that position are older than the server keeps; start again from now',
          false,
        );
        writer.end();
        return;
      }
    }
    if (since !== undefined && !logExpired) {
      await recordAppliedPosition(deps.db, device.id, String(since));
      await writer.send('connected', {
        deviceId: device.id,
        serverTime,
        mode: 'live',
        cursor: since,
        heartbeatMs: deps.config.sseHeartbeatMs,
      });
      if (start.until === 'primed') {
        writer.end();
        return;
      }
      await new LiveStream(deps, auth.userId, device.id, writer, since).start();
      return;
    }
    if (start.from === 'now') {
      // Live-only start (the phone: it has no store to fill, it reads pages over REST): no history, no
      // plan stored, no cursor recorded — only the changes committed after the user's latest seq. The
      // live stream subscribes before it reads the log, so a change committed meanwhile is not lost.
      const { lastSeq } = await deps.db.user.findUniqueOrThrow({
        where: { id: auth.userId },
        select: { lastSeq: true },
      });
      await writer.send('connected', {
        deviceId: device.id,
        serverTime,
        mode: 'live',
        cursor: lastSeq,
        heartbeatMs: deps.config.sseHeartbeatMs,
      });
      await new LiveStream(deps, auth.userId, device.id, writer, lastSeq).start();
      return;
    }

    let snapshotSeq: number;
    let plan: StoredPlan;
    let from = { chatIndex: 0, offset: 0 };
    let firstScreen: PreparedFreshSync['firstScreen'] = null;
    const storedPlan = readStoredPlan(device.syncPlan);
    if (lastEventId.kind === 'fresh' && lastEventId.snapshotSeq === device.syncPlanSeq && storedPlan) {
      snapshotSeq = lastEventId.snapshotSeq;
      plan = storedPlan;
      from = { chatIndex: lastEventId.chatIndex, offset: lastEventId.offset };
      await recordAppliedPosition(deps.db, device.id, formatFreshPosition(lastEventId));
      await writer.send('connected', {
        deviceId: device.id,
        serverTime,
        mode: 'resume-fresh',
        cursor: snapshotSeq,
        heartbeatMs: deps.config.sseHeartbeatMs,
      });
    } else {
      // The desktop may ask for fewer chats than the server's limit (its storage budget).
      const asked = Number(req.query.chats);
      const maxChats =
        Number.isInteger(asked) && asked > 0 ? Math.min(asked, deps.config.syncMaxChats) : deps.config.syncMaxChats;
      // Prepared while the desktop was opening its keys and store (pairing confirm), or now.
      // (Not for a relinked desktop's kept history: that preparation read whole chats.)
      const taken = await deps.freshSyncPreparations.take(device.id, maxChats);
      const ahead = held.size === 0 ? taken : null;
      deps.metrics.freshSyncPreparations.inc({ outcome: ahead ? 'used' : 'none' });
      const prepared = ahead ?? (await prepareFreshSync(deps, auth.userId, device.id, maxChats, held));
      // A new plan: whatever the device held before, its first sync starts at the plan's beginning.
      await recordAppliedPosition(
        deps.db,
        device.id,
        formatFreshPosition({ snapshotSeq: prepared.snapshotSeq, chatIndex: 0, offset: 0 }),
      );
      if (logExpired) deps.logger.info({ deviceId: device.id }, 'position older than the change log: fresh plan');
      await writer.send('connected', {
        deviceId: device.id,
        serverTime,
        mode: 'fresh',
        cursor: prepared.snapshotSeq,
        heartbeatMs: deps.config.sseHeartbeatMs,
      });
      await sendManifest(writer, prepared);
      ({ snapshotSeq, stored: plan, firstScreen } = prepared);
    }
    // Subscribe before streaming history, so changes made meanwhile are buffered, not missed.
    const live = new LiveStream(deps, auth.userId, device.id, writer, snapshotSeq);
    // DESIGN: the user's settings travel between phase 2 and phase 3 (with phase 2's id: resuming after it
    // sends them again, which the desktop ignores by version). The contact book (pinned keys) travels with them.
    const sendSettings = async (phase: SyncPhase, id: string) => {
      if (phase !== 2) return;
      const settings = await loadSettings(deps.db, auth.userId);
      if (settings) await writer.send('settings:sync', { settings }, id);
      const contacts = await loadContacts(deps.db, auth.userId);
      if (contacts) await writer.send('contacts:sync', { contacts }, id);
    };
    const began = Date.now();
    const history = await streamHistory(
      deps,
      writer,
      snapshotSeq,
      plan,
      { snapshotSeq, ...from },
      sendSettings,
      firstScreen,
      auth.userId,
      held,
    );
    if (!history) return;
    await writer.send('cache_primed', { cursor: snapshotSeq }, String(snapshotSeq));
    // One line per completed fresh sync: who, how long each phase took, how much — never any content.
    deps.logger.info(
      {
        deviceId: device.id,
        resumed: from.chatIndex > 0 || from.offset > 0,
        phaseMs: history.phaseMs,
        totalMs: Date.now() - began,
        messages: history.messages,
        ciphertextBytes: history.bytes,
        wireBytes: writer.bytesWritten,
      },
      'fresh sync completed',
    );
    // A finite stream stops here (its client follows the changes over REST); ending it unsubscribes `live`.
    if (start.until === 'primed') writer.end();
    else await live.start();
  } catch (error) {
    deps.logger.error({ err: error, deviceId: auth.deviceId }, 'sync stream failed');
    await sendError(deps, writer, 'internal', 'the server could not continue the sync; reconnect to resume', true);
    writer.end();
  }
}

/** What a sync stream uses: its admission, the database, the fresh-sync plans prepared at pairing, and its logs. */
export type SyncStreamDeps = Pick<
  ServerDeps,
  'db' | 'config' | 'changes' | 'logger' | 'metrics' | 'streams' | 'freshSyncPreparations'
>;

/** After an error that is not retryable, the caller ends the stream: nothing more will follow on it. */
async function sendError(
  deps: Pick<ServerDeps, 'metrics'>,
  writer: SseWriter,
  code: string,
  message: string,
  retryable: boolean,
) {
  deps.metrics.syncErrors.inc({ code });
  await writer.send('sync:error', { code, message, retryable });
}
