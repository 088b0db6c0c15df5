import type { MessageView } from '../../../common/contract';
import type { DesktopCore } from '../core/desktop-core';
import type { LocalSearch } from '../core/search/local-search';
import { messageView } from './chat-views';
import type { Drafts } from './drafts';

/** Everything a chat holds, read back in one go to build the index. */
const ALL = 1_000_000;

/**
 * Keeps the in-memory search index in step with the core: one full build once history is in (phase 3 /
 * cache_primed, or at start for a device that already finished its first sync), then incremental updates
 * from live events. Before the build, updates are ignored — the build reads everything anyway.
 */
export class SearchFeeder {
  private built = false;
  private readonly indexedChats = new Set<string>();

  constructor(
    private readonly core: DesktopCore,
    private readonly index: LocalSearch,
    private readonly drafts: Drafts,
  ) {}

  get ready(): boolean {
    return this.built;
  }

  build(): void {
    if (this.built) return;
    this.built = true;
    for (const chat of this.core.reader.chatList()) {
      this.updateChat(chat.chatId);
      const row = this.core.store.getChat(chat.chatId)!;
      const messages = this.core.store.listMessages(chat.chatId, ALL).map((m) => this.core.reader.display(row, m));
      this.index.addMessages(messages.filter((m) => m.decrypted));
      this.updateDraft(chat.chatId);
    }
  }

  /** Decrypts (for display and the index) the given new messages of a chat. */
  addMessages(chatId: string, messageIds: readonly string[]): MessageView[] {
    const chat = this.core.store.getChat(chatId);
    if (!chat) return [];
    const shown = messageIds.flatMap((id) => {
      const row = this.core.store.getMessage(chatId, id);
      return row ? [this.core.reader.display(chat, row)] : [];
    });
    if (this.built) {
      if (!this.indexedChats.has(chatId)) this.updateChat(chatId);
      this.index.addMessages(shown.filter((m) => m.decrypted));
    }
    return shown.map(messageView);
  }

  updateChat(chatId: string): void {
    if (!this.built) return;
    const chat = this.core.store.getChat(chatId);
    const meta = chat ? this.core.reader.meta(chat) : null;
    if (!meta) return;
    this.index.setChat(chatId, meta.title);
    this.indexedChats.add(chatId);
  }

  updateDraft(chatId: string): void {
    if (!this.built) return;
    // Drafts of chats not on this desktop (evicted, or not synced yet) are kept but not searchable here.
    this.index.setDraft(chatId, this.core.store.hasChat(chatId) ? this.drafts.read(chatId) || null : null);
  }

  /** Chats the budget evicted from the store leave the index too. Returns them. */
  dropEvicted(): string[] {
    const gone = [...this.indexedChats].filter((chatId) => !this.core.store.hasChat(chatId));
    for (const chatId of gone) {
      this.index.removeChat(chatId);
      this.indexedChats.delete(chatId);
    }
    return gone;
  }
}
