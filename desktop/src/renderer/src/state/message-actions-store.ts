import { create } from 'zustand';
import type { MessageView } from '../../../../../common/contract/ipc';
import { call } from '../symc';
import { actions as app, useApp } from './app-store';

/** The message actions' UI state (docs/MESSAGES.md): the message being answered, the one being edited. */
interface MessageActionsState {
  readonly replyTo: { readonly chatId: string; readonly messageId: string; readonly text: string } | null;
  readonly editing: string | null;
}

export const useMessageActions = create<MessageActionsState>(() => ({ replyTo: null, editing: null }));
const set = useMessageActions.setState;

async function run(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    await app.refreshActive();
    return true;
  } catch (error) {
    useApp.setState({ notice: error instanceof Error ? error.message : String(error) });
    return false;
  }
}

export const messageActions = {
  reply(message: MessageView): void {
    set({ replyTo: { chatId: message.chatId, messageId: message.messageId, text: message.text }, editing: null });
  },
  cancelReply(): void {
    set({ replyTo: null });
  },
  /** The quote for a send in this chat (and forgets it: one reply per quote). */
  takeReply(chatId: string): string | undefined {
    const replyTo = useMessageActions.getState().replyTo;
    if (replyTo?.chatId !== chatId) return undefined;
    set({ replyTo: null });
    return replyTo.messageId;
  },
  startEdit(messageId: string): void {
    set({ editing: messageId, replyTo: null });
  },
  cancelEdit(): void {
    set({ editing: null });
  },
  async saveEdit(message: MessageView, text: string): Promise<void> {
    if (text.trim() === '' || text === message.text) return set({ editing: null });
    if (await run(() => call('editMessage', { chatId: message.chatId, messageId: message.messageId, text })))
      set({ editing: null });
  },
  async remove(message: MessageView, forEveryone: boolean): Promise<void> {
    await run(() => call('deleteMessage', { chatId: message.chatId, messageId: message.messageId, forEveryone }));
  },
};
