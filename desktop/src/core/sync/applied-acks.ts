import { ApiError } from '../../../../common/contract';
import type { DeviceSession } from '../session/device-session';

/** How long the engine gathers applied positions before acknowledging the latest one (the server stores at most one a second). */
export const ACK_INTERVAL_MS = 2000;

/**
 * Acknowledges to the server the position this desktop has *applied* (the last event id stored with the
 * data, not merely received), so the account's device list can say how far it is (`POST /sync/ack`;
 * docs/DEVICE-LIFECYCLE.md "Sync status per device"). Coalesced: one acknowledgement per interval at most,
 * always of the latest position — never one per event.
 *
 * A passing failure (no network, 429, 5xx) keeps the position for the next try; a refusal of it (409/422:
 * behind what the server already has, or not one it gave this device) is dropped — the next position goes.
 */
export class AppliedAcks {
  private pending: string | null = null;
  private acknowledged: string | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight: Promise<void> | null = null;
  private closed = true;

  constructor(
    private readonly session: DeviceSession,
    private readonly intervalMs = ACK_INTERVAL_MS,
  ) {}

  /** The store now holds everything up to `position` (an event id; empty: nothing yet). */
  applied(position: string | null): void {
    if (!position || position === this.acknowledged) return;
    this.pending = position;
    this.schedule();
  }

  open(): void {
    this.closed = false;
    if (this.pending) this.schedule();
  }

  /** Stops acknowledging (the engine stopped); an acknowledgement already on its way is awaited. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  private schedule(): void {
    if (this.timer || this.closed || this.inFlight) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.inFlight = this.send().finally(() => {
        this.inFlight = null;
        if (this.pending) this.schedule();
      });
    }, this.intervalMs);
    this.timer.unref?.();
  }

  private async send(): Promise<void> {
    const position = this.pending;
    if (!position || this.closed) return;
    this.pending = null;
    try {
      await this.session.call('ackSync', { body: { position } });
      this.acknowledged = position;
    } catch (error) {
      const passing = !(error instanceof ApiError) || error.status === 0 || error.status === 429 || error.status >= 500;
      if (passing && this.pending === null) this.pending = position;
    }
  }
}
