import { Router } from 'express';
import { api } from '../../../../common/contract';
import { mountRoute } from '../../http/mount-route';
import { limitEachEndpoint } from '../../http/rate-limit';
import type { ServerDeps } from '../../server-deps';
import * as pairing from './pairing.use-cases';

export function pairingRouter(deps: ServerDeps): Router {
  const router = Router();
  limitEachEndpoint(
    router,
    [api.createPairingSession, api.waitForPairing, api.confirmPairing, api.rejectPairing, api.scanPairing],
    deps.config.authRateLimitPerMinute,
  );
  mountRoute(router, deps, api.createPairingSession, ({ body, req }) =>
    pairing.createSession(deps, body, `${req.protocol}://${req.get('host') ?? 'localhost'}`),
  );
  mountRoute(router, deps, api.getPairingSession, ({ params, query }) =>
    pairing.getInfo(deps, params.pairingId, query),
  );
  mountRoute(router, deps, api.findPairingByCode, ({ params, query }) =>
    pairing.findByCode(deps, params.pairingCode, query),
  );
  mountRoute(router, deps, api.scanPairing, ({ auth, body }) => pairing.scan(deps, auth, body));
  mountRoute(router, deps, api.waitForPairing, ({ body, req }) => {
    // Stop waiting as soon as the desktop goes away. (The response's 'close', not the request's: since
    // Node 16 a request emits 'close' as soon as its body has been read.)
    const abort = new AbortController();
    req.res?.on('close', () => abort.abort());
    return pairing.wait(deps, body, abort.signal);
  });
  mountRoute(router, deps, api.confirmPairing, ({ body }) => pairing.confirm(deps, body));
  mountRoute(router, deps, api.rejectPairing, ({ body }) => pairing.reject(deps, body));
  return router;
}
