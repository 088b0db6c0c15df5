import { Router } from 'express';
import { api } from '../../../../common/contract';
import { authenticate } from '../../http/authenticate';
import { mountRoute } from '../../http/mount-route';
import type { ServerDeps } from '../../server-deps';
import { openSyncStream } from './sync-stream';
import * as sync from './sync.use-cases';

export function syncRouter(deps: ServerDeps): Router {
  const router = Router();
  // A stream, not a JSON route: authenticated like one (errors before the first byte are normal JSON).
  router.get('/sse/connect', async (req, res) => {
    const auth = await authenticate(deps.db, deps.metrics, req, 'device');
    await openSyncStream(deps, auth, req, res);
  });
  mountRoute(router, deps, api.syncHello, ({ auth, body }) => sync.hello(deps, auth, body));
  mountRoute(router, deps, api.syncMessages, ({ auth, query }) => sync.recentMessages(deps, auth, query));
  return router;
}
