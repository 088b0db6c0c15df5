import { Router } from 'express';
import { api } from '../../../../common/contract';
import { mountRoute } from '../../http/mount-route';
import type { ServerDeps } from '../../server-deps';
import * as actions from './message-actions.use-cases';
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
  mountRoute(router, deps, api.editMessage, ({ auth, params, body }) =>
    actions.editMessage(deps, auth, params.chatId, params.messageId, body),
  );
  mountRoute(router, deps, api.listMessageEdits, ({ auth, params }) =>
    actions.listMessageEdits(deps, auth, params.chatId, params.messageId),
  );
  mountRoute(router, deps, api.deleteMessage, ({ auth, params }) =>
    actions.deleteMessage(deps, auth, params.chatId, params.messageId),
  );
  mountRoute(router, deps, api.hideMessage, ({ auth, params }) =>
    actions.hideMessage(deps, auth, params.chatId, params.messageId),
  );
  return router;
}
