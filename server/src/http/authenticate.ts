import type { Request } from 'express';
import { sha256Hex } from '../../../common/crypto';
import type { RouteAuth } from '../../../common/contract';
import type { Db } from '../db/client';
import { errors } from '../errors';
import type { Metrics } from '../observability/metrics';

export interface AuthContext {
  readonly userId: string;
  readonly deviceId: string;
  readonly deviceKind: 'phone' | 'desktop';
  readonly sessionId: string;
}

/** `lastSeenAt` is a hint for the devices list, not an audit log: write it at most once a minute. */
const LAST_SEEN_RESOLUTION_MS = 60_000;

export function bearerToken(req: Request): string | null {
  const header = req.get('authorization');
  if (!header) return null;
  const match = /^Bearer ([A-Za-z0-9_-]{43})$/.exec(header);
  return match?.[1] ?? null;
}

export async function authenticate(
  db: Db,
  metrics: Metrics,
  req: Request,
  required: Exclude<RouteAuth, 'public'>,
): Promise<AuthContext> {
  const token = bearerToken(req);
  if (!token) {
    metrics.authFailures.inc({ reason: req.get('authorization') ? 'malformed_token' : 'missing_token' });
    throw errors.unauthenticated('send a valid "Authorization: Bearer <access token>" header');
  }
  const session = await db.session.findUnique({
    where: { accessTokenHash: sha256Hex(token) },
    include: { device: true },
  });
  if (session?.device.revokedAt) {
    // Distinct from 401: the device must not refresh, it must wipe itself.
    metrics.authFailures.inc({ reason: 'revoked_device' });
    throw errors.deviceRevoked(session.device.revokedReason);
  }
  if (!session || session.revokedAt) {
    metrics.authFailures.inc({ reason: 'unknown_or_revoked_token' });
    throw errors.unauthenticated('this access token is not valid (signed out or expired)');
  }
  if (session.accessExpiresAt.getTime() <= Date.now()) {
    metrics.authFailures.inc({ reason: 'expired_token' });
    throw errors.tokenExpired();
  }
  const kind = session.device.kind === 'phone' ? 'phone' : 'desktop';
  if (required === 'phone' && kind !== 'phone') throw errors.forbidden('only a phone can do this');
  if (Date.now() - session.device.lastSeenAt.getTime() > LAST_SEEN_RESOLUTION_MS) {
    await db.device.update({ where: { id: session.deviceId }, data: { lastSeenAt: new Date() } });
  }
  return { userId: session.device.userId, deviceId: session.deviceId, deviceKind: kind, sessionId: session.id };
}
