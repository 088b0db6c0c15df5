import { checkIpcEvent, type IpcEventName, type IpcEventPayload } from '../../../common/contract';

export type AppEventListener = <E extends IpcEventName>(event: E, payload: IpcEventPayload<E>) => void;

/**
 * The events the app pushes to the renderer (Electron's webContents, the headless host's EventSource).
 * Every payload is checked against the IPC contract before it leaves, so a listener never sees a malformed one.
 */
export class RendererEvents {
  private readonly listeners = new Set<AppEventListener>();

  on(listener: AppEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<E extends IpcEventName>(event: E, payload: IpcEventPayload<E>): void {
    const checked = checkIpcEvent(event, payload);
    for (const listener of this.listeners) listener(event, checked);
  }

  chatsChanged(chatIds: string[]): void {
    this.emit('chatsChanged', { chatIds });
  }

  messagesChanged(chatId: string, messageIds: string[]): void {
    this.emit('messagesChanged', { chatId, messageIds });
  }
}
