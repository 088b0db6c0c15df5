import type { PreparedFreshSync } from './fresh-sync';

/** Prepares one device's fresh sync for a chat budget (`prepareFreshSync` over the server's database). */
export type PrepareFreshSync = (userId: string, deviceId: string, maxChats: number) => Promise<PreparedFreshSync>;

/**
 * Fresh syncs prepared ahead of the stream (what DESIGN calls "cache warming"; in this tree "warm-up" names only the desktop's start-up warm-up, desktop/src/core/sync/warm-up.ts). When a desktop's pairing is
 * confirmed, the server prepares its fresh sync — snapshot seq, plan (stored on the device row), manifest,
 * and the last opened chat's first screen — in the moments the desktop spends opening its keys and store,
 * so its stream starts writing at once. Prepared only after the confirm has been answered: the server's
 * SQLite runs queries on its one thread, and preparing at approval time delayed the desktop's own
 * wake-up and confirm (docs/BENCHMARKS.md).
 *
 * Started by the composition root (server.ts) when pairing announces a linked desktop
 * (`PairingEvents.onDesktopLinked`): pairing knows nothing of sync.
 *
 * A preparation is taken once, by the device's first fresh stream within `ttlMs`, and only if it was made
 * for the chat budget that stream asks for; anything else computes afresh. Using one is safe even if the
 * account changed since: the history is read live, and every change after the snapshot seq follows as a
 * live event after `cache_primed`, as for any fresh sync. One instance's memory: with several instances
 * the stream may open on another one, which then simply prepares nothing in advance.
 */
export class FreshSyncPreparations {
  private readonly pending = new Map<
    string,
    { readonly expires: number; readonly prepared: Promise<PreparedFreshSync | null> }
  >();

  constructor(
    private readonly prepareFreshSync: PrepareFreshSync,
    private readonly ttlMs = 60_000,
  ) {}

  /** Starts preparing for `deviceId` (replacing an earlier preparation). Failures only mean "not prepared". */
  prepare(userId: string, deviceId: string, maxChats: number): void {
    const now = Date.now();
    for (const [id, entry] of this.pending) if (entry.expires <= now) this.pending.delete(id);
    const prepared = this.prepareFreshSync(userId, deviceId, maxChats).catch(() => null);
    this.pending.set(deviceId, { expires: now + this.ttlMs, prepared });
  }

  /** The preparation for this device and budget, once; null when there is none (or it doesn't fit). */
  async take(deviceId: string, maxChats: number): Promise<PreparedFreshSync | null> {
    const entry = this.pending.get(deviceId);
    this.pending.delete(deviceId);
    if (!entry || entry.expires <= Date.now()) return null;
    const prepared = await entry.prepared;
    return prepared && prepared.maxChats === maxChats ? prepared : null;
  }

  get size(): number {
    return this.pending.size;
  }
}
