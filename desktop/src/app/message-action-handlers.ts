import { IpcError, type IpcErrorCode, type IpcHandlers } from '../../../common/contract';
import { MessageActionError } from '../core/sync/message-actions';
import type { AppService } from './app-service';

type MessageActionHandlers = Pick<IpcHandlers, 'editMessage' | 'deleteMessage'>;

const CODES: Record<MessageActionError['code'], IpcErrorCode> = {
  not_found: 'not_found',
  not_author: 'wrong_state',
  deleted: 'wrong_state',
  refused: 'failed',
  unavailable: 'unavailable',
};

/** The action's own sentence for the UI; anything else is a failure with its message. */
function asIpcError(error: unknown): IpcError {
  if (error instanceof MessageActionError) return new IpcError(CODES[error.code], error.message);
  return new IpcError('failed', (error as Error).message);
}

/** Edit and delete (docs/MESSAGES.md): applied here once the server accepted; views and search follow. */
export function messageActionHandlers(
  app: AppService,
  requireChat: (chatId: string) => unknown,
): MessageActionHandlers {
  const after = (chatId: string, messageId: string) => {
    const { feeder } = app.linked();
    feeder.refreshMessages(chatId, [messageId]);
    app.messagesChanged(chatId, [messageId]);
    app.chatsChanged([chatId]);
  };
  return {
    editMessage: async ({ chatId, messageId, text }) => {
      requireChat(chatId);
      await app
        .linked()
        .core.actions.edit(chatId, messageId, text)
        .catch((error: unknown) => {
          throw asIpcError(error);
        });
      after(chatId, messageId);
      return { ok: true };
    },
    deleteMessage: async ({ chatId, messageId, forEveryone }) => {
      requireChat(chatId);
      const { actions } = app.linked().core;
      await (forEveryone ? actions.deleteForEveryone(chatId, messageId) : actions.deleteForMe(chatId, messageId)).catch(
        (error: unknown) => {
          throw asIpcError(error);
        },
      );
      after(chatId, messageId);
      return { ok: true };
    },
  };
}
