import { IpcError, type IpcErrorCode, type IpcHandlers } from '../../../common/contract';
import { parseUsernames } from '../../../common/trust/group-input';
import { type GroupActionError, explainGroupError } from '../core/groups/desktop-groups';
import type { AppService } from './app-service';
import { chatTrustView } from './trust-handlers';

type GroupHandlers = Pick<
  IpcHandlers,
  'startChat' | 'getChatMembers' | 'renameChat' | 'addChatMembers' | 'removeChatMembers' | 'leaveChat'
>;

const CODES: Record<GroupActionError['code'], IpcErrorCode> = {
  invalid: 'invalid_request',
  not_found: 'not_found',
  refused: 'failed',
  conflict: 'wrong_state',
  unavailable: 'unavailable',
};

/** As typed ("@Sam, kim"): the shared reading of usernames (common/trust/group-input.ts). */
const names = (typed: readonly string[]) => parseUsernames(typed.join(' '));

async function attempt<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    const explained = explainGroupError(error);
    throw new IpcError(CODES[explained.code], explained.message);
  }
}

/** Groups (docs/GROUPS.md): each action is done by the core; the list, the open chat and search follow. */
export function groupHandlers(app: AppService, requireChat: (chatId: string) => unknown): GroupHandlers {
  const groups = () => app.linked().core.groups;
  const changed = (chatId: string) => {
    app.linked().feeder.updateChat(chatId);
    app.chatsChanged([chatId]);
  };
  return {
    startChat: async ({ usernames, title }) => {
      const chatId = await attempt(() =>
        groups().startChat({ usernames: names(usernames), ...(title !== undefined ? { title } : {}) }),
      );
      changed(chatId);
      return { chatId };
    },
    getChatMembers: async ({ chatId }) => {
      requireChat(chatId);
      const { core } = app.linked();
      const members = await attempt(() => groups().members(chatId));
      const trust = new Map(chatTrustView(core.contacts, chatId).members.map((m) => [m.userId, m]));
      return {
        members: members.map((m) => ({
          ...m,
          username: m.username ?? trust.get(m.userId)?.username ?? null,
          verified: trust.get(m.userId)?.verified ?? false,
          changed: trust.get(m.userId)?.changed ?? false,
        })),
      };
    },
    renameChat: async ({ chatId, title }) => {
      requireChat(chatId);
      await attempt(() => groups().rename(chatId, title));
      changed(chatId);
      return { ok: true };
    },
    addChatMembers: async ({ chatId, usernames }) => {
      requireChat(chatId);
      await attempt(() => groups().addMembers(chatId, names(usernames)));
      changed(chatId);
      return { ok: true };
    },
    removeChatMembers: async ({ chatId, userIds }) => {
      requireChat(chatId);
      await attempt(() => groups().removeMembers(chatId, userIds));
      changed(chatId);
      return { ok: true };
    },
    leaveChat: async ({ chatId }) => {
      requireChat(chatId);
      await attempt(() => groups().leave(chatId));
      app.linked().feeder.forgetChat(chatId);
      if (app.linked().core.openChat === chatId) app.setActiveChat(null);
      app.chatsChanged([chatId]);
      return { ok: true };
    },
  };
}
