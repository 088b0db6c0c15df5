import { Router } from 'express';
import { api, HELD_HISTORY_HEADER, parseHeldHistory, SseConnectQuery } from '../../../../common/contract';
import { errors } from '../../errors';
import { mountRoute } from '../../http/mount-route';
import type { ServerDeps } from '../../server-deps';
import { authenticateStream, issueSseTicket } from './sse-tickets';
import { openSyncStream } from './sync-stream';
import * as sync from './sync.use-cases';
import { acknowledge, ownSyncStatus } from './sync-status';

export function syncRouter(deps: ServerDeps): Router {
  const router = Router();
  // A stream, not a JSON route: authenticated like one (errors before the first byte are normal JSON).
  router.get('/sse/connect', async (req, res) => {
    // Validated before the ticket is redeemed, so a bad `since` doesn't burn the ticket.
    const query = SseConnectQuery.safeParse(req.query);
    if (!query.success) {
      const issue = query.error.issues[0];
      throw errors.validation(`query.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
    }
    const held = parseHeldHistory(req.get(HELD_HISTORY_HEADER));
    if ('error' in held) throw errors.validation(`header ${HELD_HISTORY_HEADER}: ${held.error}`);
    const auth = await authenticateStream(deps, req, query.data.ticket);
    await openSyncStream(deps, auth, req, res, query.data, held.held);
  });
  mountRoute(router, deps, api.createSseTicket, ({ auth }) => issueSseTicket(deps, auth));
  mountRoute(router, deps, api.syncHello, ({ auth, body }) => sync.hello(deps, auth, body));
  mountRoute(router, deps, api.ackSync, ({ auth, body }) => acknowledge(deps, auth, body.position));
  mountRoute(router, deps, api.getSyncStatus, ({ auth }) => ownSyncStatus(deps, auth));
  mountRoute(router, deps, api.syncMessages, ({ auth, query }) => sync.recentMessages(deps, auth, query));
  mountRoute(router, deps, api.syncChanges, ({ auth, query }) => sync.changesAfter(deps, auth, query));
  return router;
}
