import { Router } from 'express';
import { api } from '../../../../common/contract';
import type { ServerDeps } from '../../server-deps';
import { limitEachEndpoint } from '../../http/rate-limit';
import { mountRoute } from '../../http/mount-route';
import * as accounts from './accounts.use-cases';

export function accountsRouter(deps: ServerDeps): Router {
  const router = Router();
  limitEachEndpoint(router, [api.register, api.prelogin, api.login, api.refresh], deps.config.authRateLimitPerMinute);
  mountRoute(router, deps, api.register, ({ body }) => accounts.register(deps, body));
  mountRoute(router, deps, api.prelogin, ({ body }) => accounts.prelogin(deps, body));
  mountRoute(router, deps, api.login, ({ body }) => accounts.login(deps, body));
  mountRoute(router, deps, api.refresh, ({ body }) => accounts.refresh(deps, body));
  mountRoute(router, deps, api.logout, ({ auth }) => accounts.logout(deps, auth.sessionId));
  mountRoute(router, deps, api.me, ({ auth }) => accounts.me(deps, auth.userId, auth.deviceId));
  mountRoute(router, deps, api.setSigningKey, ({ auth, body }) => accounts.setSigningKey(deps, auth.userId, body));
  return router;
}
