import type { Response } from 'express';
import { z } from 'zod';
import { errors } from '../../errors';
import type { Logger } from '../../observability/logger';
import type { Metrics } from '../../observability/metrics';
import type { ChangeBus } from '../changes/change-bus';
import type { Fanout } from '../changes/fanout';
import { type FinalEvent, type SseLimits, SseWriter } from './sse-writer';

/** Whose stream it is: the caps count by device and account, and sessions/devices end their own. */
export interface StreamOwner {
  readonly userId: string;
  readonly deviceId: string;
  readonly sessionId: string;
}

export interface StreamCaps {
  readonly perDevice: number;
  readonly perAccount: number;
}

const SessionsEnded = z.object({
  sessionIds: z.array(z.string()).max(1000),
  reason: z.enum(['signed_out', 'session_revoked']),
});
type SessionEndReason = z.infer<typeof SessionsEnded>['reason'];

const SESSION_END_MESSAGES: Record<SessionEndReason, string> = {
  signed_out: 'this session signed out; sign in again to follow the account',
  session_revoked: 'a refresh token of this session was used twice, so the session was ended everywhere; sign in again',
};

/**
 * The open sync streams of this instance. It enforces the caps and ends streams when their right to
 * exist ends:
 * - per device, the newest stream wins: one beyond SSE_MAX_STREAMS_PER_DEVICE ends the device's oldest
 *   (`sync:error stream_replaced`) — a desktop reconnecting after a cut overlaps its half-dead old stream,
 *   and must never be refused for it;
 * - per account, a device with no open stream here is refused with 429 `rate_limited` once the account
 *   holds SSE_MAX_STREAMS_PER_ACCOUNT; a device that already has one replaces its own oldest instead;
 * - an unlinked device's streams end with `device:revoked` (heard on the change bus, so an unlink on
 *   another instance ends them too); a signed-out or revoked session's streams end with `sync:error`
 *   (told to the other instances over the fan-out's `sessions` channel).
 * Caps count this instance's streams only (several instances behind a balancer each allow as many).
 * Iterable over the open writers (shutdown ends them all).
 */
export class StreamRegistry implements Iterable<SseWriter> {
  /** Insertion order is age (a Set keeps it): the first of a device is its oldest. */
  private readonly open = new Set<SseWriter>();
  private readonly byDevice = new Map<string, Set<SseWriter>>();
  private readonly byUser = new Map<string, Set<SseWriter>>();
  private readonly bySession = new Map<string, Set<SseWriter>>();

  constructor(
    private readonly caps: StreamCaps,
    private readonly limits: SseLimits,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly fanout: Fanout,
    changes: ChangeBus,
  ) {
    changes.on('change', (change) => {
      if (change.kind === 'device:revoked' && change.entityId) this.endDevice(change.entityId);
    });
    fanout.subscribe('sessions', (message) => {
      let parsed: ReturnType<typeof SessionsEnded.safeParse>;
      try {
        parsed = SessionsEnded.safeParse(JSON.parse(message));
      } catch {
        parsed = { success: false } as typeof parsed;
      }
      if (parsed.success) this.endLocalSessions(parsed.data.sessionIds, parsed.data.reason);
      else logger.warn('ignored a malformed session notification from another instance');
    });
  }

  [Symbol.iterator](): Iterator<SseWriter> {
    return this.open.values();
  }

  get size(): number {
    return this.open.size;
  }

  /** The devices with an open stream on this instance (they are in use, however long ago they last called). */
  openDevices(): string[] {
    return [...this.byDevice.keys()].filter((deviceId) => openIn(this.byDevice, deviceId).length > 0);
  }

  /** Open streams of one device on this instance. */
  openFor(deviceId: string): number {
    return openIn(this.byDevice, deviceId).length;
  }

  /**
   * Opens a stream for `owner` on `res`, making room or refusing first (a refusal is a 429 JSON answer:
   * nothing has been written yet). Synchronous from the count to the registration, so two connects at
   * the same instant can't both pass a cap.
   */
  admit(res: Response, owner: StreamOwner): SseWriter {
    const ofDevice = openIn(this.byDevice, owner.deviceId);
    const ofAccount = openIn(this.byUser, owner.userId);
    if (ofDevice.length === 0 && ofAccount.length >= this.caps.perAccount) {
      this.metrics.sseStreamsEnded.inc({ reason: 'account_cap' });
      throw errors.rateLimited(
        `this account has ${ofAccount.length} open sync streams, the most allowed; close one (or wait for a closed one to be noticed) and retry`,
      );
    }
    const excess = Math.max(
      ofDevice.length - this.caps.perDevice + 1,
      ofAccount.length >= this.caps.perAccount ? 1 : 0,
    );
    for (const oldest of ofDevice.slice(0, excess)) {
      this.metrics.sseStreamsEnded.inc({ reason: 'replaced' });
      oldest.end({
        name: 'sync:error',
        payload: {
          code: 'stream_replaced',
          message: 'this device opened a newer sync stream; this one is closed',
          retryable: false,
        },
      });
    }
    const writer = new SseWriter(res, this.limits, (reason) => {
      this.metrics.sseStreamsEnded.inc({ reason });
      this.logger.info({ deviceId: owner.deviceId, reason, bytesWritten: writer.bytesWritten }, 'sync stream cut');
    });
    const indexes = [
      [this.byDevice, owner.deviceId],
      [this.byUser, owner.userId],
      [this.bySession, owner.sessionId],
    ] as const;
    this.open.add(writer);
    for (const [index, key] of indexes) index.set(key, (index.get(key) ?? new Set()).add(writer));
    this.metrics.sseConnections.inc();
    writer.onClose(() => {
      if (!this.open.delete(writer)) return;
      this.metrics.sseConnections.dec();
      for (const [index, key] of indexes) {
        const set = index.get(key);
        set?.delete(writer);
        if (set?.size === 0) index.delete(key);
      }
    });
    return writer;
  }

  /** Ends every stream of an unlinked device here, mid-history included, telling it why. */
  endDevice(deviceId: string): void {
    const final: FinalEvent = { name: 'device:revoked', payload: { deviceId } };
    for (const writer of openIn(this.byDevice, deviceId)) {
      this.metrics.sseStreamsEnded.inc({ reason: 'revoked' });
      writer.end(final);
    }
  }

  /** Ends the streams of these sessions on every instance (signed out, or revoked for token reuse). */
  endSessions(sessionIds: readonly string[], reason: SessionEndReason): void {
    if (sessionIds.length === 0) return;
    this.endLocalSessions(sessionIds, reason);
    this.fanout.publish('sessions', JSON.stringify({ sessionIds, reason }));
  }

  private endLocalSessions(sessionIds: readonly string[], reason: SessionEndReason): void {
    const final: FinalEvent = {
      name: 'sync:error',
      payload: { code: reason, message: SESSION_END_MESSAGES[reason], retryable: false },
    };
    for (const writer of sessionIds.flatMap((id) => openIn(this.bySession, id))) {
      this.metrics.sseStreamsEnded.inc({ reason });
      writer.end(final);
    }
  }
}

/** The still-open writers under `key`, oldest first (a copy: ending one edits the index). */
function openIn(index: Map<string, Set<SseWriter>>, key: string): SseWriter[] {
  return [...(index.get(key) ?? [])].filter((writer) => !writer.closed);
}
