import { IpcError, type IpcHandlers } from '../../../common/contract';
import type { AppService } from './app-service';

/** How long opening a chat or scrolling back waits for the server's older pages; what comes later is kept. */
const FILL_WAIT_MS = 5_000;

/**
 * Pages `want` older messages of a chat from the server (docs/SYNC.md "History beyond the synced set") when
 * the store has no older ones, stores them under the budget and indexes them. Returns whether the server
 * could be asked (false: offline or refused, nothing more to offer now).
 */
export async function fillFromServer(app: AppService, chatId: string, want: number): Promise<boolean> {
  const { core, feeder } = app.linked();
  if (want <= 0 || !core.history.mayHaveOlder(chatId)) return true;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), FILL_WAIT_MS);
  const fetched = await core.history.fetchOlder(chatId, want, { signal: abort.signal }).finally(() => {
    clearTimeout(timer);
  });
  if (fetched.stored.length > 0) {
    await core.reader.loadSenders(new Set(fetched.stored.map((m) => m.senderUserId)));
    feeder.addMessages(
      chatId,
      fetched.stored.map((m) => m.messageId),
    );
  }
  app.evicted(fetched.evicted);
  return fetched.error === null;
}

/**
 * A chat that is not on this desktop (from the "More chats" list, or evicted since the list was read) is
 * taken from the server before it opens; it is the open chat first, so the budget never evicts it on arrival.
 */
export async function adoptForOpen(app: AppService, chatId: string): Promise<void> {
  const { core } = app.linked();
  if (core.reader.hasChat(chatId)) return;
  const previous = core.openChat;
  app.setActiveChat(chatId);
  if (!(await core.history.adopt(chatId))) {
    app.setActiveChat(previous);
    throw new IpcError('not_found', 'This chat is not on this desktop, and the server does not list it for you.');
  }
  app.chatsChanged([chatId]);
}

export function historyHandlers(app: AppService): Pick<IpcHandlers, 'listMoreChats'> {
  return {
    listMoreChats: async ({ after }) => {
      try {
        return await app.linked().core.history.listMissingChats(after);
      } catch (error) {
        throw new IpcError('unavailable', `The server's list of chats could not be read: ${(error as Error).message}`);
      }
    },
  };
}
