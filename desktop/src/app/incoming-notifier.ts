import type { MessageView } from '../../../common/contract';
import type { AppCore } from '../core/desktop-core';
import { preferencesOf, shouldNotify } from './preferences';
import { isMuted } from './chat-prefs';

/** A message from someone else that arrived live: the Electron shell turns it into a notification. */
export interface IncomingMessage {
  readonly chatTitle: string;
  readonly message: MessageView;
}

/** Decides which live messages are worth a notification (the user's preferences) and hands them to the shell. */
export class IncomingNotifier {
  private readonly listeners = new Set<(incoming: IncomingMessage) => void>();

  on(listener: (incoming: IncomingMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A live message from someone else, its author checked. */
  arrived(core: AppCore, chatId: string, message: MessageView): void {
    // Muted on any of the user's devices (synced chat prefs): no notification here either.
    if (isMuted(core, chatId)) return;
    if (!shouldNotify(preferencesOf(core.settings.read()), message.text ?? '', core.session.username)) return;
    const chat = core.reader.chat(chatId);
    const title = (chat && core.reader.meta(chat)?.title) ?? 'Symc';
    for (const listener of this.listeners) listener({ chatTitle: title, message });
  }
}
