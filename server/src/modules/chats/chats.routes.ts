import { Router } from 'express';
import { api, MAX_CHAT_PAGE } from '../../../../common/contract';
import { mountRoute } from '../../http/mount-route';
import type { ServerDeps } from '../../server-deps';
import { requireMembership } from './chat-access';
import { listChatSummaries, listChatSummaryPage, loadChatSummary } from './chat-summary';
import * as chats from './chats.use-cases';
import * as membership from './membership.use-cases';

export function chatsRouter(deps: ServerDeps): Router {
  const router = Router();
  mountRoute(router, deps, api.createChat, ({ auth, body }) => chats.createChat(deps, auth, body));
  mountRoute(router, deps, api.listChats, async ({ auth, query }) =>
    query.limit === undefined && query.after === undefined
      ? { chats: await listChatSummaries(deps.db, auth.userId) }
      : listChatSummaryPage(deps.db, auth.userId, query.limit ?? MAX_CHAT_PAGE, query.after),
  );
  mountRoute(router, deps, api.getChat, async ({ auth, params }) => {
    await requireMembership(deps.db, params.chatId, auth.userId);
    return loadChatSummary(deps.db, params.chatId, auth.userId);
  });
  mountRoute(router, deps, api.updateChatMeta, ({ auth, params, body }) =>
    chats.updateChatMeta(deps, auth, params.chatId, body),
  );
  mountRoute(router, deps, api.storeMyChatKey, ({ auth, params, body }) =>
    chats.storeMyChatKey(deps, auth, params.chatId, body),
  );
  mountRoute(router, deps, api.updateMyChatState, ({ auth, params, body }) =>
    chats.updateMyChatState(deps, auth, params.chatId, body),
  );
  mountRoute(router, deps, api.changeMembers, ({ auth, params, body }) =>
    membership.changeMembers(deps, auth, params.chatId, body),
  );
  mountRoute(router, deps, api.listEpochs, ({ auth, params }) => membership.listEpochs(deps, auth, params.chatId));
  mountRoute(router, deps, api.leaveChat, ({ auth, params }) => membership.leaveChat(deps, auth, params.chatId));
  return router;
}
