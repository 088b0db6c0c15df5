import type { ChatListEntry, MessageView } from '../../../common/contract';
import { chatEntry, messageView } from './chat-views';
import type { Linked } from './linked-core';

/** What the change events carry, so the renderer patches its state by id instead of reading it all again. */
export interface ChangeViews {
  /** The list entries of these chats as they are now (a chat no longer on this desktop has none). */
  chats(chatIds: readonly string[]): ChatListEntry[];
  /** The views of these messages, for the chat open on screen only; undefined otherwise (see ipc.ts). */
  messages(chatId: string, messageIds: readonly string[]): MessageView[] | undefined;
}

export function changeViewsOf({ core, drafts }: Linked): ChangeViews {
  return {
    chats(chatIds) {
      const unread = core.unreadCounts();
      const hasDraft = (chatId: string) => (drafts.read(chatId) ?? '').trim() !== '';
      return chatIds.flatMap((chatId) => chatEntry(core, chatId, unread, hasDraft) ?? []);
    },
    messages(chatId, messageIds) {
      if (core.openChat !== chatId) return undefined;
      const failures = core.sendFailures(chatId);
      const shown = messageIds.flatMap((id) => core.reader.message(chatId, id) ?? []);
      // An author not checked yet (their keys not loaded): the renderer reads the chat, which loads them.
      if (shown.some((m) => m.verification === 'pending')) return undefined;
      return shown.map((m) => messageView(m, failures.get(m.messageId) ?? null, core.attachments));
    },
  };
}
