import { Router } from 'express';
import { api } from '../../../../common/contract';
import { mountRoute } from '../../http/mount-route';
import type { ServerDeps } from '../../server-deps';
import * as settings from './settings.use-cases';

export function settingsRouter(deps: ServerDeps): Router {
  const router = Router();
  mountRoute(router, deps, api.getSettings, ({ auth }) => settings.getSettings(deps, auth));
  mountRoute(router, deps, api.putSettings, ({ auth, body }) => settings.putSettings(deps, auth, body));
  return router;
}
