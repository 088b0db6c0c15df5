import { Router } from 'express';
import { api } from '../../../../common/contract';
import { mountRoute } from '../../http/mount-route';
import type { ServerDeps } from '../../server-deps';
import * as messages from './messages.use-cases';

export function messagesRouter(deps: ServerDeps): Router {
  const router = Router();
  mountRoute(router, deps, api.sendMessage, async ({ auth, params, body, setStatus }) => {
    const result = await messages.sendMessage(deps, auth, params.chatId, body);
    if (result.replayed) setStatus(200);
    return result.message;
  });
  mountRoute(router, deps, api.listMessages, ({ auth, params, query }) =>
    messages.listMessages(deps, auth, params.chatId, query),
  );
  mountRoute(router, deps, api.markMessages, ({ auth, params, body }) =>
    messages.markMessages(deps, auth, params.chatId, body),
  );
  return router;
}
