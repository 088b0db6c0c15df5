import { Router } from 'express';
import { api } from '../../../../common/contract';
import { mountRoute } from '../../http/mount-route';
import type { ServerDeps } from '../../server-deps';
import * as drafts from './drafts.use-cases';

export function draftsRouter(deps: ServerDeps): Router {
  const router = Router();
  mountRoute(router, deps, api.putDraft, ({ auth, params, body }) => drafts.putDraft(deps, auth, params.chatId, body));
  mountRoute(router, deps, api.getDraft, ({ auth, params }) => drafts.getDraft(deps, auth, params.chatId));
  mountRoute(router, deps, api.listDrafts, ({ auth }) => drafts.listDrafts(deps, auth));
  return router;
}
