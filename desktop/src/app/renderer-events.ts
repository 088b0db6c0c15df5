import { checkIpcEvent, type IpcEventName, type IpcEventPayload } from '../../../common/contract';
import type { ChangeViews } from './change-views';

export type AppEventListener = <E extends IpcEventName>(event: E, payload: IpcEventPayload<E>) => void;

/**
 * The events the app pushes to the renderer (Electron's webContents, the headless host's EventSource).
 * Every payload is checked against the IPC contract before it leaves, so a listener never sees a malformed one.
 * Change events carry the changed chats' and messages' views (from `views`, null while not linked).
 */
export class RendererEvents {
  private readonly listeners = new Set<AppEventListener>();

  constructor(private readonly views: () => ChangeViews | null) {}

  on(listener: AppEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<E extends IpcEventName>(event: E, payload: IpcEventPayload<E>): void {
    const checked = checkIpcEvent(event, payload);
    for (const listener of this.listeners) listener(event, checked);
  }

  chatsChanged(chatIds: string[]): void {
    this.emit('chatsChanged', { chatIds, chats: this.views()?.chats(chatIds) ?? [] });
  }

  messagesChanged(chatId: string, messageIds: string[]): void {
    const messages = this.views()?.messages(chatId, messageIds);
    this.emit('messagesChanged', { chatId, messageIds, ...(messages ? { messages } : {}) });
  }
}
