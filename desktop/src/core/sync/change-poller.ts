import { ApiError, MAX_CHANGES_PAGE } from '../../../../common/contract';
import type { DeviceSession } from '../session/device-session';
import type { RawEvent } from './sse-connection';

/**
 * How a poll round ended: `ok` (the deadline came), `failed` (back off, then decide again), `restart` (the
 * position is ahead of the server or older than its change log keeps: start over with a fresh plan).
 */
export type PollOutcome = 'ok' | 'failed' | 'restart';

export interface ChangePollerHooks {
  /** The live position to ask from (a change seq), or null when the store has none (a first sync unfinished). */
  livePosition(): number | null;
  /** Applies a page's events exactly as streamed ones; false when the store refused them. */
  apply(events: RawEvent[]): Promise<boolean>;
  /** Moves the position past changes the server covered that carried no event for this device. */
  advanceTo(position: number): void;
  /** A page came: the engine is in sync over requests. */
  onPolling(): void;
  onFailure(error: Error): Promise<void>;
  stopped(): boolean;
  /** Resolves after `ms`, or at once when the engine stops. */
  sleep(ms: number): Promise<void>;
}

/**
 * The REST fallback of the live sync, for when the stream can't get through (a proxy that buffers or cuts
 * it): the same events the stream would send after the stored position (`GET /sync/changes`), page by page,
 * applied by the same code — so nothing is lost or applied twice, whichever way an event came. Between
 * rounds it waits `intervalMs`; it runs until `until`, then the engine tries the stream again.
 */
export async function pollChanges(
  session: DeviceSession,
  hooks: ChangePollerHooks,
  options: { readonly until: number; readonly intervalMs: number },
): Promise<PollOutcome> {
  while (!hooks.stopped() && Date.now() < options.until) {
    const after = hooks.livePosition();
    if (after === null) return 'failed';
    let page;
    try {
      page = await session.call('syncChanges', { query: { after, limit: MAX_CHANGES_PAGE } });
    } catch (error) {
      if (error instanceof ApiError && (error.status === 409 || error.status === 410)) return 'restart';
      await hooks.onFailure(error as Error);
      return 'failed';
    }
    hooks.onPolling();
    const events: RawEvent[] = page.events.map((e) => ({ name: e.name, data: JSON.stringify(e.data), id: e.id }));
    if (events.length > 0 && !(await hooks.apply(events))) return 'failed';
    // Only when every event of the page was applied (the applier holds back its position otherwise).
    if (hooks.livePosition() === Number(events.at(-1)?.id ?? after) && page.position > (hooks.livePosition() ?? 0)) {
      hooks.advanceTo(page.position);
    }
    if (page.position >= page.latestSeq) await hooks.sleep(options.intervalMs);
  }
  return 'ok';
}
