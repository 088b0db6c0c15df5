import { z } from 'zod';
import { Timestamp } from '../primitives';
import { route } from './route';

/**
 * How far a device's store is, from the last position it acknowledged as *applied* (docs/DEVICE-LIFECYCLE.md
 * "Sync status per device"):
 * - `up_to_date`: it applied the user's latest change;
 * - `behind`: `changesBehind` changes of the user's log are not applied yet;
 * - `first_sync`: its first (fresh) sync is `percent` done (messages of its plan, 0–99);
 * - `log_expired`: its position is older than the change log keeps (CHANGE_LOG_RETENTION_DAYS): its next
 *   connection starts a fresh plan;
 * - `never`: it has acknowledged nothing yet.
 * `syncedAt`: when it last acknowledged a position (null for a position recorded before acknowledgements
 * existed).
 */
export const DeviceSyncStatus = z.discriminatedUnion('state', [
  z.object({ state: z.literal('up_to_date'), syncedAt: Timestamp.nullable() }),
  z.object({ state: z.literal('behind'), changesBehind: z.int().min(1), syncedAt: Timestamp.nullable() }),
  z.object({ state: z.literal('first_sync'), percent: z.int().min(0).max(99), syncedAt: Timestamp.nullable() }),
  z.object({ state: z.literal('log_expired'), syncedAt: Timestamp.nullable() }),
  z.object({ state: z.literal('never') }),
]);
export type DeviceSyncStatus = z.infer<typeof DeviceSyncStatus>;

/** An event id as the stream gives them: a seq, or a fresh-sync position `h<snapshot>:<chat>:<offset>`. */
export const SyncPosition = z.string().regex(/^(\d{1,15}|h\d{1,15}:\d{1,6}:\d{1,9})$/, 'not a sync position');

/**
 * The device acknowledges the position it has *applied* to its store (the id of the last event stored,
 * not merely received). The stream is SSE (server → client only), so this is a plain POST beside it.
 * Refused, changing nothing: a position this server never issued to this device (beyond the user's head,
 * or of a fresh-sync plan that isn't this device's) — 422 `invalid_position`; one behind the device's
 * last acknowledgement — 409 `stale_position`; more than one per SYNC_ACK_MIN_INTERVAL_MS — 429.
 * Answers the device's status after it.
 */
export const ackSync = route({
  method: 'POST',
  path: '/sync/ack',
  auth: 'device',
  body: z.strictObject({ position: SyncPosition }),
  response: z.object({ status: DeviceSyncStatus, latestSeq: z.int() }),
});

/** Seed 001's `sync_status_request`: the asking device's own status (a plain GET answers the asker only). */
export const getSyncStatus = route({
  method: 'GET',
  path: '/sync/status',
  auth: 'device',
  response: z.object({ status: DeviceSyncStatus, latestSeq: z.int() }),
});
