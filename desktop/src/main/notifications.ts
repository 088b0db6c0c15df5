import { type BrowserWindow, Notification } from 'electron';
import type { IncomingMessage } from '../app/app-service';

const PREVIEW_CHARS = 120;

/** A native notification for a message from someone else, only while the window is not focused. */
export function notifyIncoming(window: BrowserWindow | null, incoming: IncomingMessage): void {
  if (!window || window.isDestroyed() || window.isFocused() || !Notification.isSupported()) return;
  const text =
    incoming.message.text.length > PREVIEW_CHARS
      ? `${incoming.message.text.slice(0, PREVIEW_CHARS)}…`
      : incoming.message.text;
  const notification = new Notification({
    title: incoming.chatTitle,
    body: `${incoming.message.senderName}: ${text}`,
    silent: false,
  });
  notification.on('click', () => {
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  });
  notification.show();
}
