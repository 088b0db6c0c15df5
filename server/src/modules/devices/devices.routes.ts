import { Router } from 'express';
import { api } from '../../../../common/contract';
import { mountRoute } from '../../http/mount-route';
import type { ServerDeps } from '../../server-deps';
import * as devices from './devices.use-cases';

export function devicesRouter(deps: ServerDeps): Router {
  const router = Router();
  mountRoute(router, deps, api.listDevices, ({ auth }) => devices.listDevices(deps, auth));
  mountRoute(router, deps, api.revokeDevice, ({ auth, params }) => devices.revokeDevice(deps, auth, params.deviceId));
  return router;
}
