import { Router } from 'express';
import { api } from '../../../../common/contract';
import { mountRoute } from '../../http/mount-route';
import type { ServerDeps } from '../../server-deps';
import * as contacts from './contacts.use-cases';

export function contactsRouter(deps: ServerDeps): Router {
  const router = Router();
  mountRoute(router, deps, api.getContacts, ({ auth }) => contacts.getContacts(deps, auth));
  mountRoute(router, deps, api.putContacts, ({ auth, body }) => contacts.putContacts(deps, auth, body));
  return router;
}
