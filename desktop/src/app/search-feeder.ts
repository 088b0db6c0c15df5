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
 * from live events.
 *
 * The build goes one chat per turn of the event loop: it decrypts and indexes everything (100,000 messages
 * take ~2 s), and it runs on the process that answers the window's requests and runs the sync — in one go
 * it froze both. While it runs, a chat it has already indexed is updated like after the build; one it
 * has not reached yet is left to it (the store holds what arrived meanwhile). `ready` once it is done.
 */
export class SearchFeeder {
  private state: 'idle' | 'building' | 'built' = 'idle';
  private readonly indexedChats = new Set<string>();
  /** Chats the build could not index (no key): not retried on every step. */
  private readonly skipped = new Set<string>();

  constructor(
    private readonly core: DesktopCore,
    private readonly index: LocalSearch,
    private readonly drafts: Drafts,
  ) {}

  get ready(): boolean {
    return this.state === 'built';
  }

  /** Starts the build (once); it continues on later turns of the event loop. */
  build(): void {
    if (this.state !== 'idle') return;
    this.state = 'building';
    let queue: string[] = [];
    const step = () => {
      if (this.state !== 'building') return; // disposed meanwhile
      // The chats as they are when the queue runs dry: ones that arrived since the build began come too.
      if (queue.length === 0)
        queue = this.core.reader.chatIds().filter((id) => !this.indexedChats.has(id) && !this.skipped.has(id));
      const next = queue.shift();
      if (next === undefined) {
        this.state = 'built';
        return;
      }
      try {
        if (this.core.reader.hasChat(next)) this.indexChat(next); // (unless evicted since it was queued)
      } catch {
        // The store went away under it (unlinked meanwhile): nothing left to index.
        this.state = 'idle';
        return;
      }
      setImmediate(step);
    };
    step();
  }

  /** Stops a build in progress (the core is closing). */
  dispose(): void {
    if (this.state === 'building') this.state = 'idle';
  }

  private indexChat(chatId: string): void {
    const row = this.core.reader.chat(chatId);
    const meta = row ? this.core.reader.meta(row) : null;
    if (!row || !meta) {
      this.skipped.add(chatId);
      return;
    }
    this.index.setChat(chatId, meta.title);
    this.indexedChats.add(chatId);
    // The index holds text only: no author is checked for it (the views check when they show a message).
    const messages = this.core.reader.messagesForIndex(chatId, ALL);
    this.index.addMessages(messages.filter((m) => m.decrypted));
    this.updateDraft(chatId);
  }

  /** Decrypts (for display and the index) the given new messages of a chat. */
  addMessages(chatId: string, messageIds: readonly string[]): MessageView[] {
    if (!this.core.reader.hasChat(chatId)) return [];
    const shown = messageIds.flatMap((id) => this.core.reader.message(chatId, id) ?? []);
    if (this.state === 'built' && !this.indexedChats.has(chatId)) this.updateChat(chatId);
    if (this.indexedChats.has(chatId)) this.index.addMessages(shown.filter((m) => m.decrypted));
    return shown.map((m) => messageView(m));
  }

  updateChat(chatId: string): void {
    // During the build, a chat not reached yet is left to it.
    if (this.state === 'idle' || (this.state === 'building' && !this.indexedChats.has(chatId))) return;
    const chat = this.core.reader.chat(chatId);
    const meta = chat ? this.core.reader.meta(chat) : null;
    if (!meta) return;
    this.index.setChat(chatId, meta.title);
    this.indexedChats.add(chatId);
    this.skipped.delete(chatId);
  }

  updateDraft(chatId: string): void {
    if (!this.indexedChats.has(chatId) && this.state !== 'built') return;
    // Drafts of chats not on this desktop (evicted, or not synced yet) are kept but not searchable here.
    this.index.setDraft(chatId, this.core.reader.hasChat(chatId) ? this.drafts.read(chatId) || null : null);
  }

  /** Chats the budget evicted from the store leave the index too. Returns them. */
  dropEvicted(): string[] {
    const gone = [...this.indexedChats].filter((chatId) => !this.core.reader.hasChat(chatId));
    for (const chatId of gone) {
      this.index.removeChat(chatId);
      this.indexedChats.delete(chatId);
    }
    return gone;
  }
}
