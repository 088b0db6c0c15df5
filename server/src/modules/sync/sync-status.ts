import {
  type DeviceSyncStatus,
  parseEventId,
  type ParsedEventId,
  type ResponseOf,
  type api,
} from '../../../../common/contract';
import type { Db } from '../../db/client';
import { AppError, errors } from '../../errors';
import type { AuthContext } from '../../http/authenticate';
import type { ServerDeps } from '../../server-deps';
import { logCovers } from '../changes/log-retention';
import { planWalk, readStoredPlan } from './sync-plan';

type Deps = Pick<ServerDeps, 'db' | 'config'>;

/** The Device columns a status is computed from. */
export interface SyncedDevice {
  readonly id: string;
  readonly userId: string;
  readonly kind: string;
  readonly syncCursor: number | null;
  readonly syncPlan: string | null;
  readonly syncPlanSeq: number | null;
  readonly syncedPosition: string | null;
  readonly syncedAt: Date | null;
}

/** The device's last applied position: its acknowledgement, or (rows from before acknowledgements) its cursor. */
function appliedPosition(device: SyncedDevice): ParsedEventId {
  if (device.syncedPosition) return parseEventId(device.syncedPosition);
  return device.syncCursor === null ? { kind: 'none' } : { kind: 'live', seq: device.syncCursor };
}

/**
 * How far a device's store is, from its last applied position: changes behind the user's head, or the share
 * of its fresh-sync plan's messages applied (by the chats' current message counts: a close figure, never
 * 100 before `cache_primed`). A phone keeps no store: null.
 */
export async function syncStatusOf(db: Db, device: SyncedDevice, lastSeq: number): Promise<DeviceSyncStatus | null> {
  if (device.kind === 'phone') return null;
  const position = appliedPosition(device);
  const syncedAt = device.syncedAt?.toISOString() ?? null;
  if (position.kind === 'none') return { state: 'never' };
  if (position.kind === 'live') {
    const behind = Math.max(0, lastSeq - position.seq);
    if (behind === 0) return { state: 'up_to_date', syncedAt };
    if (!(await logCovers(db, device.userId, position.seq, lastSeq))) return { state: 'log_expired', syncedAt };
    return { state: 'behind', changesBehind: behind, syncedAt };
  }
  const stored = readStoredPlan(device.syncPlan);
  if (position.snapshotSeq !== device.syncPlanSeq || !stored) return { state: 'first_sync', percent: 0, syncedAt };
  const steps = planWalk(stored.plan, stored.walk);
  const chatIds = [...new Set(steps.map((step) => step.chatId))];
  const rows = await db.chat.findMany({ where: { id: { in: chatIds } }, select: { id: true, messageCount: true } });
  const counts = new Map(rows.map((r) => [r.id, r.messageCount]));
  let total = 0;
  let done = 0;
  steps.forEach((step, index) => {
    // The rows of this step: from `from` to `until` (or the chat's end) of the chat's current count.
    const count = counts.get(step.chatId) ?? 0;
    const end = Math.min(step.until ?? count, count);
    const size = Math.max(0, end - step.from);
    total += size;
    if (index < position.chatIndex) done += size;
    else if (index === position.chatIndex) done += Math.max(0, Math.min(position.offset, end) - step.from);
  });
  const percent = total === 0 ? 0 : Math.min(99, Math.floor((done * 100) / total));
  return { state: 'first_sync', percent, syncedAt };
}

async function latestSeq(db: Db, userId: string): Promise<number> {
  const { lastSeq } = await db.user.findUniqueOrThrow({ where: { id: userId }, select: { lastSeq: true } });
  return lastSeq;
}

/** `GET /sync/status` (seed 001's `sync_status_request`): the asking device's own status. */
export async function ownSyncStatus(deps: Deps, auth: AuthContext): Promise<ResponseOf<typeof api.getSyncStatus>> {
  const device = await deps.db.device.findUniqueOrThrow({ where: { id: auth.deviceId } });
  const lastSeq = await latestSeq(deps.db, auth.userId);
  return { status: (await syncStatusOf(deps.db, device, lastSeq)) ?? { state: 'never' }, latestSeq: lastSeq };
}

/**
 * When each device's last acknowledgement was stored, per server instance (keyed by its config, so two
 * servers in one process don't share it). In memory: with several instances a device could store one per
 * interval on each — still bounded, and no write just to count. Entries older than the interval are dropped
 * once the map grows large.
 */
const lastAcks = new WeakMap<object, Map<string, number>>();

function ackAllowed(config: Deps['config'], deviceId: string, now: number): boolean {
  const interval = config.syncAckMinIntervalMs;
  if (interval === 0) return true;
  let seen = lastAcks.get(config);
  if (!seen) lastAcks.set(config, (seen = new Map()));
  const last = seen.get(deviceId);
  if (last !== undefined && now - last < interval) return false;
  if (seen.size >= 10_000) for (const [id, at] of seen) if (now - at >= interval) seen.delete(id);
  seen.set(deviceId, now);
  return true;
}

const invalidPosition = (message: string) => new AppError('invalid_position', message, 422);
const stalePosition = (message: string) => new AppError('stale_position', message, 409);

/** -1, 0, 1: whether applied position `a` comes before, at or after `b` on one device's timeline. */
function compare(a: Exclude<ParsedEventId, { kind: 'none' }>, b: Exclude<ParsedEventId, { kind: 'none' }>): number {
  if (a.kind === 'live' && b.kind === 'live') return Math.sign(a.seq - b.seq);
  if (a.kind === 'fresh' && b.kind === 'fresh') {
    if (a.snapshotSeq !== b.snapshotSeq) return Math.sign(a.snapshotSeq - b.snapshotSeq);
    return Math.sign(a.chatIndex - b.chatIndex) || Math.sign(a.offset - b.offset);
  }
  // A fresh sync from snapshot S ends at `cache_primed` with id S: seq S and after follow every position of it.
  if (a.kind === 'live' && b.kind === 'fresh') return a.seq >= b.snapshotSeq ? 1 : -1;
  return compare(b, a) * -1;
}

/**
 * `POST /sync/ack`: the device acknowledges the position it has applied. Accepted only if this server issued
 * it to this device — a seq at most the user's head, or a position inside the fresh-sync plan stored for this
 * device — and it doesn't go back behind the device's last acknowledgement; anything else is refused and
 * changes nothing. One stored acknowledgement per SYNC_ACK_MIN_INTERVAL_MS per device (the desktop coalesces
 * its acknowledgements below that); the write is a compare-and-set on the position read, so two racing
 * acknowledgements can't move it backwards.
 */
export async function acknowledge(
  deps: Deps,
  auth: AuthContext,
  raw: string,
  now = new Date(),
): Promise<ResponseOf<typeof api.ackSync>> {
  const position = parseEventId(raw);
  if (position.kind === 'none') throw invalidPosition('not a sync position');
  const device = await deps.db.device.findUniqueOrThrow({ where: { id: auth.deviceId } });
  const lastSeq = await latestSeq(deps.db, auth.userId);
  if (position.kind === 'live' && position.seq > lastSeq) {
    throw invalidPosition(`position ${position.seq} is beyond your latest change (${lastSeq})`);
  }
  if (position.kind === 'fresh') {
    const stored = readStoredPlan(device.syncPlan);
    if (position.snapshotSeq !== device.syncPlanSeq || !stored) {
      throw invalidPosition('that position is not of this device’s sync plan');
    }
    const steps = planWalk(stored.plan, stored.walk).length;
    if (position.chatIndex > steps || (position.chatIndex === steps && position.offset > 0)) {
      throw invalidPosition(`that position is beyond this device’s sync plan (${steps} steps)`);
    }
  }
  const previous = appliedPosition(device);
  if (previous.kind !== 'none' && compare(position, previous) < 0) {
    throw stalePosition('that position is behind the one this device already acknowledged');
  }
  const interval = deps.config.syncAckMinIntervalMs;
  if (!ackAllowed(deps.config, device.id, now.getTime())) {
    throw errors.rateLimited(`at most one acknowledgement every ${interval} ms; send the latest position later`);
  }
  const { count } = await deps.db.device.updateMany({
    where: { id: device.id, revokedAt: null, syncedPosition: device.syncedPosition },
    data: {
      syncedPosition: raw,
      syncedAt: now,
      ...(position.kind === 'live' ? { syncCursor: position.seq } : {}),
    },
  });
  if (count === 0) throw stalePosition('another acknowledgement of this device came first; send the latest again');
  const stored = { ...device, syncedPosition: raw, syncedAt: now };
  return { status: (await syncStatusOf(deps.db, stored, lastSeq)) ?? { state: 'never' }, latestSeq: lastSeq };
}

/**
 * Where a device's stream starts, or what its hello reports, is what it applied (read from its own store):
 * recorded as its position without the forward-only rule of `acknowledge` — a store restored from a backup
 * is truly behind, and the status must say so. The caller has checked the position against the user's head.
 */
export async function recordAppliedPosition(db: Db, deviceId: string, position: string, now = new Date()) {
  const parsed = parseEventId(position);
  await db.device.update({
    where: { id: deviceId },
    data: {
      syncedPosition: position,
      syncedAt: now,
      ...(parsed.kind === 'live' ? { syncCursor: parsed.seq } : {}),
    },
  });
}

/**
 * hello's cursor (seed 002) is what the desktop's store holds — but the seq of its last completed fresh sync
 * (`cache_primed`), not its live position, so it may well be behind the last acknowledgement: it only ever
 * moves the position forward (or records a first one). Not refused: the hello carries the outbox.
 */
export async function recordHelloCursor(db: Db, deviceId: string, cursor: number, now = new Date()) {
  const device = await db.device.findUniqueOrThrow({ where: { id: deviceId } });
  const previous = appliedPosition(device);
  if (previous.kind !== 'none' && compare({ kind: 'live', seq: cursor }, previous) <= 0) return;
  await recordAppliedPosition(db, deviceId, String(cursor), now);
}
