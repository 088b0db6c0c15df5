import type { ServerDeps } from '../../server-deps';
import { appendChange } from '../changes/change-log';

type Deps = Pick<ServerDeps, 'db' | 'changes' | 'config' | 'logger' | 'streams'>;

/** A clock the sweep reads (tests move a fake one across days). */
export type Clock = () => Date;

const DAY_MS = 86_400_000;
/** Devices expired per query: a backlog (a server down for months) is worked through in pages. */
const PAGE = 200;

/** When a linked device seen at `lastSeenAt` is unlinked if it stays unseen; null when expiry is off. */
export function inactivityExpiry(lastSeenAt: Date, inactivityDays: number): Date | null {
  return inactivityDays === 0 ? null : new Date(lastSeenAt.getTime() + inactivityDays * DAY_MS);
}

/**
 * Unlinks every device not seen for DEVICE_INACTIVITY_DAYS, as the phone's unlink does (device and
 * sessions revoked in one transaction, `device:revoked` in the user's change log, so its open streams end
 * and the other devices' lists refresh), marked `revokedReason: inactive` so the device, when it comes
 * back, is told "unlinked after a long time without use" rather than "by your phone". Its slot under
 * MAX_LINKED_DEVICES is free at once (the cap counts unrevoked devices).
 *
 * A device holding an open stream here is in use even when it makes no other request: it is marked seen
 * first. Every instance runs the sweep, so a stream on any instance is marked at least once a sweep interval.
 * Returns the ids unlinked.
 */
export async function expireInactiveDevices(deps: Deps, now: Date): Promise<string[]> {
  const days = deps.config.deviceInactivityDays;
  if (days === 0) return [];
  const streaming = deps.streams.openDevices();
  if (streaming.length > 0) {
    await deps.db.device.updateMany({
      where: { id: { in: streaming }, revokedAt: null, lastSeenAt: { lt: now } },
      data: { lastSeenAt: now },
    });
  }
  const cutoff = new Date(now.getTime() - days * DAY_MS);
  const expired: string[] = [];
  for (;;) {
    const page = await deps.db.device.findMany({
      where: { revokedAt: null, lastSeenAt: { lt: cutoff } },
      select: { id: true, userId: true },
      orderBy: { lastSeenAt: 'asc' },
      take: PAGE,
    });
    for (const device of page) {
      const committed = await deps.db.$transaction(async (tx) => {
        // Conditional: a request that marked it seen, or an unlink, since the read wins.
        const { count } = await tx.device.updateMany({
          where: { id: device.id, revokedAt: null, lastSeenAt: { lt: cutoff } },
          data: { revokedAt: now, revokedReason: 'inactive' },
        });
        if (count === 0) return null;
        await tx.session.updateMany({ where: { deviceId: device.id, revokedAt: null }, data: { revokedAt: now } });
        return appendChange(tx, [device.userId], { kind: 'device:revoked', entityId: device.id });
      });
      if (!committed) continue;
      deps.changes.publish(committed);
      expired.push(device.id);
    }
    if (page.length < PAGE) break;
  }
  if (expired.length > 0) deps.logger.info({ devices: expired.length, days }, 'unlinked devices unseen too long');
  return expired;
}

export interface InactivitySweep {
  /** Runs one sweep now (tests; the timer runs the others). */
  sweep(): Promise<string[]>;
  stop(): Promise<void>;
}

/** The sweep at startup and then every DEVICE_INACTIVITY_SWEEP_SECONDS (one at a time; failures logged, retried next tick). */
export function startInactivitySweep(deps: Deps, clock: Clock = () => new Date()): InactivitySweep {
  let running: Promise<string[]> = Promise.resolve([]);
  const sweep = () => {
    running = running
      .catch(() => [])
      .then(() => expireInactiveDevices(deps, clock()))
      .catch((error: unknown) => {
        deps.logger.error({ err: error }, 'the device inactivity sweep failed; retried at the next interval');
        return [];
      });
    return running;
  };
  void sweep();
  const timer = setInterval(() => void sweep(), deps.config.deviceInactivitySweepSeconds * 1000);
  timer.unref();
  return {
    sweep,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
