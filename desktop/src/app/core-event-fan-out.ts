import type { MessageRecord } from '../../../common/contract';
import type { AppCore } from '../core/desktop-core';
import type { DesktopDrafts } from '../core/drafts/desktop-drafts';
import type { IncomingNotifier } from './incoming-notifier';
import { preferencesOf } from './preferences';
import { followChatPrefs } from './chat-prefs';
import type { RendererEvents } from './renderer-events';
import type { SearchFeeder } from './search-feeder';
import { syncView } from './views';
import { attachmentStateView } from './attachment-views';

export interface CoreEventFanOutParts {
  readonly core: AppCore;
  readonly drafts: DesktopDrafts;
  readonly feeder: SearchFeeder;
  readonly events: RendererEvents;
  readonly incoming: IncomingNotifier;
  /** The shell's auto-update holds back while a first sync is running. */
  readonly setSyncActive?: (active: boolean) => void;
  /** The core is still the app's (a late callback of a closed core does nothing). */
  readonly isCurrent: () => boolean;
}

/**
 * What the linked core reports, fanned out: to the renderer (as IPC events naming the chats and messages
 * that changed), to the search index and to notifications. Returns the unwiring.
 */
export function wireCoreEvents(parts: CoreEventFanOutParts): () => void {
  const { core, drafts, feeder, events } = parts;
  const progressView = () => syncView(core.progress, core.outboxPending(), core.firstSyncTimes());

  const messagesArrived = (records: readonly MessageRecord[], live: boolean) => {
    const byChat = new Map<string, string[]>();
    for (const r of records) byChat.set(r.chatId, [...(byChat.get(r.chatId) ?? []), r.messageId]);
    for (const [chatId, ids] of byChat) {
      // A first sync's history is neither notified nor indexed batch by batch (the index is built once
      // the history is in): decrypting every batch here too would double the sync's crypto work on
      // this process. The views that show a chat read it themselves.
      const shown = live || feeder.ready ? feeder.addMessages(chatId, ids) : [];
      events.messagesChanged(chatId, ids);
      if (live) for (const m of shown) if (!m.mine) parts.incoming.arrived(core, chatId, m);
    }
    events.chatsChanged([...byChat.keys()]);
  };

  const offs = [
    core.onProgress((progress) => {
      events.emit('syncProgress', progressView());
      parts.setSyncActive?.(progress.connection === 'connected' && !progress.primed && progress.mode !== 'live');
      if (progress.primed || progress.phases[3].state === 'done' || progress.mode === 'live') feeder.build();
    }),
    core.onMessages((records) => {
      const live = core.progress.primed || core.progress.mode === 'live';
      // Live messages are shown and notified with their author checked: their senders' keys first.
      if (live)
        void core.reader
          .loadSenders(records.map((r) => r.senderUserId))
          .then(() => parts.isCurrent() && messagesArrived(records, live));
      else messagesArrived(records, live);
    }),
    core.onEvents((parsed) => {
      const chats = new Set<string>();
      for (const event of parsed) {
        if (event.name === 'chat:update') {
          chats.add(event.payload.chat.chatId);
          feeder.updateChat(event.payload.chat.chatId);
        } else if (event.name === 'draft:update') {
          chats.add(event.payload.draft.chatId);
          feeder.updateDraft(event.payload.draft.chatId);
        } else if (event.name === 'message:status') {
          events.messagesChanged(event.payload.chatId, [event.payload.messageId]);
        } else if (
          event.name === 'message:edited' ||
          event.name === 'message:deleted' ||
          event.name === 'message:hidden'
        ) {
          feeder.refreshMessages(event.payload.chatId, [event.payload.messageId]);
          events.messagesChanged(event.payload.chatId, [event.payload.messageId]);
          chats.add(event.payload.chatId);
        } else if (event.name === 'chat:removed') {
          // Left or removed: gone from the store; dropEvicted below takes it out of search.
          chats.add(event.payload.chatId);
        } else if (event.name === 'sync:initial') {
          for (const chat of event.payload.chats) chats.add(chat.chatId);
        }
      }
      for (const chatId of feeder.dropEvicted()) chats.add(chatId);
      if (chats.size > 0) events.chatsChanged([...chats]);
    }),
    // A queued message sent by a retry, or refused for good: its bubble and the pending count change.
    core.onOutboxChange((chatId, messageIds) => {
      events.messagesChanged(chatId, messageIds);
      events.emit('syncProgress', progressView());
    }),
    core.settings.onChange((settings) => events.emit('preferencesChanged', preferencesOf(settings))),
    followChatPrefs(core, (chatIds) => events.chatsChanged(chatIds)),
    // Deleted for me: the purged messages, the chat's title and its draft leave the index (a message after
    // the deletion indexes the chat again).
    core.chatDeletes.onPurged((chatIds) => {
      for (const chatId of chatIds) feeder.forgetChat(chatId);
      events.chatsChanged(chatIds);
    }),
    core.contacts.onChange(() => events.emit('contactsChanged', {})),
    core.attachments.onChange(({ chatId, messageId, attachmentId, state }) =>
      events.emit('attachmentChanged', { chatId, messageId, attachmentId, ...attachmentStateView(state) }),
    ),
    drafts.onChange((chatId) => {
      feeder.updateDraft(chatId);
      events.chatsChanged([chatId]);
    }),
  ];
  if (core.hasSynced()) feeder.build();
  return () => {
    for (const off of offs.splice(0)) off();
  };
}
