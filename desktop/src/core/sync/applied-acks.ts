import { ApiError } from '../../../../common/contract';
import type { DeviceSession } from '../session/device-session';

/** How long the engine gathers applied positions before acknowledging the latest one (the server stores at most one a second). */
export const ACK_INTERVAL_MS = 2000;
/** The server's SYNC_ACK_MIN_INTERVAL_MS default, and a margin: the last acknowledgement at close waits for it. */
const SERVER_MIN_GAP_MS = 1100;
/** Longest the last acknowledgement may hold up a close (an unreachable server must not keep the app open). */
const FINAL_ACK_TIMEOUT_MS = 3000;

const delay = (ms: number) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref?.();
  });

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
  /** When the last acknowledgement's answer came (the server counts its minimum gap from before that). */
  private lastAnswerAt = 0;

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

  /**
   * Stops acknowledging (the engine stopped): the latest position not yet acknowledged goes now (a desktop
   * closed right after it synced is not left "behind" on the list) — after the server's minimum gap since the
   * previous one, once, and for at most a few seconds; nothing is retried after that. `flush: false` (the
   * session ended: no request may go out any more) keeps it unsent.
   */
  async close(options: { flush: boolean } = { flush: true }): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
    if (!this.pending || !options.flush) return;
    const final = (async () => {
      const wait = this.lastAnswerAt + SERVER_MIN_GAP_MS - Date.now();
      if (wait > 0) await delay(wait);
      await this.send(true);
    })();
    await Promise.race([final, delay(FINAL_ACK_TIMEOUT_MS)]);
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

  private async send(final = false): Promise<void> {
    const position = this.pending;
    if (!position || (this.closed && !final)) return;
    this.pending = null;
    try {
      await this.session.call('ackSync', { body: { position } });
      this.acknowledged = position;
      this.lastAnswerAt = Date.now();
    } catch (error) {
      this.lastAnswerAt = Date.now();
      const passing = !(error instanceof ApiError) || error.status === 0 || error.status === 429 || error.status >= 500;
      if (passing && !final && this.pending === null) this.pending = position;
    }
  }
}
