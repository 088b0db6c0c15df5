import { IpcError, type IpcHandlers } from '../../../common/contract';
import { syncStatusText } from '../../../common/sync-status/status-text';
import type { AppService } from './app-service';
import type { AppCore } from '../core/desktop-core';
import { chatEntry, chatList, messageView } from './chat-views';
import { DraftTooLongError } from '../core/drafts/desktop-drafts';
import { preferencesOf } from './preferences';
import { searchResults } from './search-results';
import { createTrustHandlers, sendingPausedMessage } from './trust-handlers';
import { messageActionHandlers } from './message-action-handlers';
import { afterChatDelete } from './chat-prefs';
import { chatPrefsHandlers } from './chat-prefs-handlers';
import { receiptHandlers } from './receipt-handlers';
import { adoptForOpen, fillFromServer, historyHandlers } from './history-handlers';
import { attachmentHandlers } from './attachment-handlers';
import { groupHandlers } from './group-handlers';

const MB = 1024 * 1024;

const storageView = (core: AppCore) => ({
  ...core.storageStats(),
  autoDownloadBytes: core.attachments.autoDownloadBytes,
});

/** Messages returned when a chat opens; older ones page in with loadOlder. */
const PAGE = 500;
/** Older messages an opening chat waits for from the server (one of its pages); the rest come on scroll. */
const OPEN_FILL = 100;
const RECEIPTS_PER_CALL = 100;
const DISABLED_UPDATES = {
  enabled: false,
  phase: 'idle',
  version: null,
  downloadPercent: null,
  offer: null,
  lastError: null,
} as const;

/**
 * The IPC contract's handlers, one line of intent each. Inputs arrive validated (createIpcDispatch);
 * refusals are IpcErrors with a code the renderer can act on.
 */
export function createHandlers(app: AppService): IpcHandlers {
  const hasDraft = (chatId: string) => (app.linked().drafts.read(chatId) ?? '').trim() !== '';
  const requireChat = (chatId: string) => {
    const { core } = app.linked();
    const chat = core.reader.chat(chatId);
    if (!chat)
      throw new IpcError(
        'not_found',
        'This chat is not on this desktop (it may have been removed to stay within the storage budget).',
      );
    return chat;
  };

  return {
    getState: () => app.snapshot(),
    startPairing: () => {
      app.startPairing();
      return { ok: true };
    },
    cancelPairing: () => {
      app.cancelPairing();
      return { ok: true };
    },
    eraseKeptHistory: () => {
      app.eraseKeptHistory();
      return { ok: true };
    },

    listChats: () => ({ chats: chatList(app.linked().core, hasDraft) }),
    openChat: async ({ chatId }) => {
      await adoptForOpen(app, chatId);
      requireChat(chatId);
      const { core, drafts } = app.linked();
      app.setActiveChat(chatId);
      let page = (await core.reader.page(chatId, PAGE)) ?? [];
      // Fewer than a page here and more on the server (an evicted chat back, one beyond the synced set).
      if (page.length < PAGE && core.history.mayHaveOlder(chatId)) {
        await fillFromServer(app, chatId, Math.min(OPEN_FILL, PAGE - page.length));
        page = (await core.reader.page(chatId, PAGE)) ?? [];
      }
      const failures = core.sendFailures(chatId);
      const messages = afterChatDelete(core, chatId, page).map((m) =>
        messageView(m, failures.get(m.messageId) ?? null, core.attachments),
      );
      core.attachments.autoDownload(page);
      const entry = chatEntry(core, chatId, core.unreadCounts(), hasDraft)!;
      // Older messages hidden by "delete chat for me" end the scroll-back (docs/MESSAGES.md).
      const hasMore = messages.length === page.length && (page.length === PAGE || core.history.mayHaveOlder(chatId));
      return { chat: entry, messages, hasMore, draft: drafts.read(chatId) ?? '' };
    },
    loadOlder: async ({ chatId, beforeMessageId }) => {
      requireChat(chatId);
      const { core } = app.linked();
      let page = await core.reader.page(chatId, PAGE, beforeMessageId);
      if (!page) throw new IpcError('not_found', 'That message is not in this chat.');
      // Past the local oldest: the server's older pages (docs/SYNC.md "History beyond the synced set").
      let reachable = true;
      if (page.length < PAGE && core.history.mayHaveOlder(chatId)) {
        reachable = await fillFromServer(app, chatId, PAGE - page.length);
        page = (await core.reader.page(chatId, PAGE, beforeMessageId)) ?? [];
      }
      const failures = core.sendFailures(chatId);
      const messages = afterChatDelete(core, chatId, page).map((m) =>
        messageView(m, failures.get(m.messageId) ?? null, core.attachments),
      );
      const hasMore =
        messages.length === page.length && (page.length === PAGE || (reachable && core.history.mayHaveOlder(chatId)));
      return { messages, hasMore };
    },
    closeChat: () => {
      app.setActiveChat(null);
      return { ok: true };
    },
    sendMessage: async ({ chatId, text, replyToMessageId }) => {
      requireChat(chatId);
      const { core, drafts, feeder } = app.linked();
      // A verified member's keys changed: nothing goes to the chat until the user acknowledges it.
      const paused = sendingPausedMessage(core.contacts, chatId);
      if (paused) throw new IpcError('wrong_state', paused);
      let sent: { messageId: string; queued: boolean; failed: string | null };
      try {
        sent = await core.send(chatId, text, replyToMessageId);
      } catch (error) {
        throw new IpcError('failed', `The message was not sent: ${(error as Error).message}`);
      }
      feeder.addMessages(chatId, [sent.messageId]);
      drafts.edit(chatId, '');
      feeder.updateDraft(chatId);
      app.messagesChanged(chatId, [sent.messageId]);
      app.chatsChanged([chatId]);
      return sent;
    },
    ...messageActionHandlers(app, requireChat),
    ...chatPrefsHandlers(app, requireChat),
    ...receiptHandlers(app, requireChat),
    ...historyHandlers(app),
    ...attachmentHandlers(app, requireChat),
    ...groupHandlers(app, requireChat),
    retrySend: async ({ chatId, messageId }) => {
      requireChat(chatId);
      const outcome = await app
        .linked()
        .core.retrySend(chatId, messageId)
        .catch((error: unknown) => {
          throw new IpcError('not_found', `Nothing to retry: ${(error as Error).message}.`);
        });
      return { queued: outcome.state === 'queued', failed: outcome.state === 'failed' ? outcome.reason : null };
    },
    markRead: async ({ chatId }) => {
      requireChat(chatId);
      // Offline: they stay unread here and are marked on the next open; nothing is lost.
      const marked = await app.linked().core.markRead(chatId, RECEIPTS_PER_CALL);
      if (marked > 0) app.chatsChanged([chatId]);
      return { marked };
    },
    setPinned: async ({ chatId, pinned }) => {
      requireChat(chatId);
      try {
        await app.linked().core.setPinned(chatId, pinned);
      } catch (error) {
        throw new IpcError('failed', `The chat was not ${pinned ? 'pinned' : 'unpinned'}: ${(error as Error).message}`);
      }
      app.chatsChanged([chatId]);
      return { ok: true };
    },
    saveDraft: ({ chatId, text }) => {
      requireChat(chatId);
      const { drafts, feeder } = app.linked();
      const had = hasDraft(chatId);
      try {
        drafts.edit(chatId, text);
      } catch (error) {
        if (error instanceof DraftTooLongError) throw new IpcError('invalid_request', error.message);
        throw error;
      }
      feeder.updateDraft(chatId);
      // The list shows the draft's text: every edit of a draft (and its removal) patches the entry.
      if (had || text.trim() !== '') app.chatsChanged([chatId]);
      return { ok: true };
    },
    search: async ({ query }) => {
      const { core } = app.linked();
      const { index, ready } = app.searchIndex();
      return { results: index ? await searchResults(core, index, query) : [], ready };
    },

    listDevices: async () => {
      const devices = await app.linked().core.listDevices();
      return {
        devices: devices.map((d) => ({
          deviceId: d.deviceId,
          name: d.name,
          kind: d.kind,
          platform: d.platform,
          lastSeenAt: d.lastSeenAt,
          current: d.current,
          syncText: syncStatusText(d.syncStatus),
        })),
      };
    },
    getStorage: () => storageView(app.linked().core),
    setBudget: async (budget) => {
      const { core } = app.linked();
      app.evicted(core.setBudget(budget));
      await core.attachments.evictionsDone();
      // Shared with the user's other desktops through the synced settings; offline, it applies here and
      // the other desktops keep theirs (nothing is lost either way).
      await core.settings
        .update({
          desktopBudget: { maxChats: budget.maxChats, maxMegabytes: Math.max(1, Math.round(budget.maxBytes / MB)) },
        })
        .catch(() => undefined);
      return storageView(core);
    },
    getPreferences: () => preferencesOf(app.linked().core.settings.read()),
    setPreferences: async (patch) => {
      const { core } = app.linked();
      try {
        return preferencesOf(await core.settings.update(patch));
      } catch (error) {
        throw new IpcError('failed', `Your preferences were not saved: ${(error as Error).message}`);
      }
    },
    signOut: async () => {
      await app.signOut();
      return { ok: true };
    },

    getUpdateStatus: () => app.updates?.status() ?? DISABLED_UPDATES,
    installUpdate: () => {
      if (!app.updates) throw new IpcError('unavailable', 'Updates are installed by the desktop app only.');
      app.updates.accept();
      return { ok: true };
    },
    ...createTrustHandlers(app),
  };
}
