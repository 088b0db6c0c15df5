import type { Request } from 'express';
import { randomToken, sha256Hex } from '../../../../common/crypto';
import type { api, ResponseOf } from '../../../../common/contract';
import { type AuthContext, authenticate } from '../../http/authenticate';
import { errors } from '../../errors';
import type { ServerDeps } from '../../server-deps';

type Deps = Pick<ServerDeps, 'db' | 'metrics'>;

/**
 * Long enough for a page to ask for a ticket and open `EventSource` on a slow phone network; short
 * enough that a ticket seen in a proxy's access log (the one place a URL may still be written) is dead
 * by the time anyone reads it — and it is single-use anyway.
 */
export const SSE_TICKET_TTL_MS = 30_000;

/**
 * Unused, unexpired tickets one session may hold. A page spends its ticket at once, but a few are left
 * behind by reconnects that fail before reaching the server, and the tabs of one browser share a session;
 * far more than that is a loop or abuse of the endpoint (each ticket is a row). Soft: two requests at the
 * same instant may both pass the count.
 */
export const MAX_OPEN_SSE_TICKETS = 16;

/**
 * `POST /sse/ticket`: a random 256-bit ticket bound to the caller's session. Stored as its SHA-256 in the
 * database (not in memory: with several instances, the stream may open on another one), like tokens.
 * Expired tickets of anyone are swept here, so the table holds at most ~30 s of issued tickets, and at
 * most MAX_OPEN_SSE_TICKETS of them per session (more is 429 `rate_limited`).
 */
export async function issueSseTicket(deps: Deps, auth: AuthContext): Promise<ResponseOf<typeof api.createSseTicket>> {
  const now = Date.now();
  const ticket = randomToken();
  const expiresAt = new Date(now + SSE_TICKET_TTL_MS);
  await deps.db.sseTicket.deleteMany({ where: { expiresAt: { lt: new Date(now) } } });
  const open = await deps.db.sseTicket.count({ where: { sessionId: auth.sessionId } });
  if (open >= MAX_OPEN_SSE_TICKETS) {
    throw errors.rateLimited(
      `this session holds ${open} unused stream tickets; open a stream with one, or wait ${SSE_TICKET_TTL_MS / 1000} s for them to expire`,
    );
  }
  await deps.db.sseTicket.create({ data: { ticketHash: sha256Hex(ticket), sessionId: auth.sessionId, expiresAt } });
  return { ticket, expiresAt: expiresAt.toISOString() };
}

/**
 * Redeems a ticket for the session it was issued to. The row is deleted before anything else is decided,
 * and only the request whose delete removed it goes on: two connects racing with one ticket get one
 * stream. Unknown, used and expired tickets are all 401 (the client asks for a new one); a ticket of an
 * unlinked device is 403 `device_revoked`, as its token would be, so the page wipes itself.
 */
export async function redeemSseTicket(deps: Deps, ticket: string): Promise<AuthContext> {
  const ticketHash = sha256Hex(ticket);
  const row = await deps.db.sseTicket.findUnique({
    where: { ticketHash },
    include: { session: { include: { device: true } } },
  });
  const { count } = row ? await deps.db.sseTicket.deleteMany({ where: { ticketHash } }) : { count: 0 };
  if (!row || count === 0) {
    deps.metrics.authFailures.inc({ reason: 'unknown_sse_ticket' });
    throw errors.unauthenticated('this stream ticket is unknown or already used; ask POST /sse/ticket for a new one');
  }
  const { session } = row;
  if (session.device.revokedAt) {
    deps.metrics.authFailures.inc({ reason: 'revoked_device' });
    throw errors.deviceRevoked(session.device.revokedReason);
  }
  if (row.expiresAt.getTime() <= Date.now()) {
    deps.metrics.authFailures.inc({ reason: 'expired_sse_ticket' });
    throw errors.unauthenticated('this stream ticket has expired; ask POST /sse/ticket for a new one');
  }
  if (session.revokedAt) {
    deps.metrics.authFailures.inc({ reason: 'unknown_or_revoked_token' });
    throw errors.unauthenticated('the session this ticket was issued to has ended');
  }
  return {
    userId: session.device.userId,
    deviceId: session.deviceId,
    deviceKind: session.device.kind === 'phone' ? 'phone' : 'desktop',
    sessionId: session.id,
  };
}

/**
 * Who opens `GET /sse/connect`: the Authorization header when there is one (the desktop), else the
 * one-time ticket from the query (a browser). The access token itself is never accepted in a URL.
 */
export function authenticateStream(deps: Deps, req: Request, ticket: string | undefined): Promise<AuthContext> {
  if (req.get('authorization') || ticket === undefined) return authenticate(deps.db, deps.metrics, req, 'device');
  return redeemSseTicket(deps, ticket);
}
