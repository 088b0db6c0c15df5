import type { LocalStore } from '../store/local-store';
import type { SyncProgress } from './sync-progress';

/** What the user waited for in this desktop's first sync, from the phone's approval (this desktop's clock). */
export interface FirstSyncTimes {
  /** Approval → the last opened chat readable (its newest screen stored). Null: not yet. */
  readonly firstChatReadyMs: number | null;
  /** Approval → the complete copy (`cache_primed`). Null: not yet. */
  readonly completeMs: number | null;
}

interface Stored {
  readonly approvedAt: number;
  readonly firstChatReadyMs: number | null;
  readonly completeMs: number | null;
}

/**
 * Keeps the first sync's two durations in the store (state `first_sync`), so the sync details show them
 * after a restart too. The start is when this desktop learned of the approval (its long-poll answered):
 * the phone's own clock is not this one. A resumed first sync counts the time it was interrupted — that
 * is what the user waited.
 */
export class FirstSyncClock {
  private value: Stored | null;

  constructor(private readonly store: LocalStore) {
    this.value = read(store.getState('first_sync'));
  }

  /** The phone approved this desktop at `at` (ms since epoch); a desktop linked before keeps no times. */
  approved(at: number): void {
    this.save({ approvedAt: at, firstChatReadyMs: null, completeMs: null });
  }

  /** Called with every progress: records each moment once. */
  observe(progress: SyncProgress, now: number): void {
    const v = this.value;
    if (!v) return;
    if (v.firstChatReadyMs === null && progress.lastChatReadyAt !== null)
      this.save({ ...v, firstChatReadyMs: Math.max(0, progress.lastChatReadyAt - v.approvedAt) });
    const w = this.value!;
    if (w.completeMs === null && progress.primed) this.save({ ...w, completeMs: Math.max(0, now - w.approvedAt) });
  }

  get times(): FirstSyncTimes | null {
    return this.value && { firstChatReadyMs: this.value.firstChatReadyMs, completeMs: this.value.completeMs };
  }

  private save(value: Stored): void {
    this.value = value;
    this.store.setState('first_sync', JSON.stringify(value));
  }
}

function read(text: string | null): Stored | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text) as Partial<Stored>;
    const ms = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) && x >= 0 ? Math.round(x) : null);
    if (typeof v.approvedAt !== 'number') return null;
    return { approvedAt: v.approvedAt, firstChatReadyMs: ms(v.firstChatReadyMs), completeMs: ms(v.completeMs) };
  } catch {
    return null;
  }
}
