import type { MessageView } from '../../../common/contract';
import type { AppCore } from '../core/desktop-core';
import type { EncryptedSearchIndex } from '../core/search/encrypted-search-index';
import type { DisplayMessage } from '../core/view/chat-reader';
import { messageView } from './chat-views';
import type { DesktopDrafts } from '../core/drafts/desktop-drafts';
import { searchableText } from './search-text';

/** Everything a chat holds, read back in one go to index it. */
const ALL = 1_000_000;

/**
 * Keeps the on-disk search index (EncryptedSearchIndex) in step with the store: one full build once history is
 * in (phase 3 / cache_primed, or at start for a device that already finished its first sync), then incremental
 * updates from live events. The index survives restarts: once a build has finished, the feeder is `ready` as
 * soon as it starts, and it only catches up on the chats whose message count in the store differs from the
 * index's (what arrived between the last write to the index and a crash) and drops chats the store no longer has.
 *
 * Building or catching up goes one chat per turn of the event loop: it decrypts and indexes a whole chat, and
 * it runs on the process that answers the window's requests and runs the sync. While it runs, a chat it has
 * already indexed is updated like after the build; one it has not reached yet is left to it (the store holds
 * what arrived meanwhile).
 *
 * Other features hook in through `reindexMessages` (a message edited, or searchable parts added) and
 * `removeMessages` (deleted).
 */
export class SearchFeeder {
  private state: 'idle' | 'building' | 'built' = 'idle';
  private readonly indexedChats: Set<string>;
  /** Chats the build could not index (no key): not retried on every step. */
  private readonly skipped = new Set<string>();
  /** A catch-up (not a first build) is running: the index was built before this start. */
  private catchingUp = false;

  constructor(
    private readonly core: AppCore,
    private readonly index: EncryptedSearchIndex,
    private readonly drafts: Pick<DesktopDrafts, 'read'>,
    /** A chat deleted for me that nothing came back to (app/chat-prefs.ts): nothing of it is indexed. */
    private readonly hidden: (chatId: string) => boolean = () => false,
  ) {
    this.indexedChats = new Set(index.indexedChats());
    // Built on an earlier run: searchable right away, catching up in the background once build() is called.
    if (index.built) this.state = 'built';
  }

  get ready(): boolean {
    return this.state === 'built';
  }

  /** Starts the build, or the catch-up of a built index (once); it continues on later turns of the event loop. */
  build(): void {
    if (this.state === 'building' || this.catchingUp) return;
    if (this.state === 'built') this.catchingUp = true;
    else this.state = 'building';
    const visited = new Set<string>();
    let queue: string[] = [];
    const running = () => this.state === 'building' || (this.state === 'built' && this.catchingUp);
    const step = () => {
      if (!running()) return; // disposed meanwhile
      try {
        // The chats as they are when the queue runs dry: ones that arrived since the build began come too.
        if (queue.length === 0) queue = this.behind(visited);
        const next = queue.shift();
        if (next === undefined) {
          if (this.state === 'building') this.index.markBuilt();
          this.state = 'built';
          this.catchingUp = false;
          return;
        }
        visited.add(next);
        if (this.core.reader.hasChat(next)) this.indexChat(next); // (unless evicted since it was queued)
      } catch {
        // The store or the index went away under it (unlinked meanwhile): nothing left to index.
        if (this.state === 'building') this.state = 'idle';
        this.catchingUp = false;
        return;
      }
      setImmediate(step);
    };
    step();
  }

  /** Chats of the store the index is missing or behind on (by message count); chats gone from the store leave. */
  private behind(visited: ReadonlySet<string>): string[] {
    const stored = this.core.reader.messageCounts();
    const indexed = this.index.messageCounts();
    const chats = this.core.reader.chatIds();
    const present = new Set(chats);
    // Gone from the store, or deleted for me (a purge while no feeder listened, e.g. at start): out of the index.
    for (const chatId of this.indexedChats) if (!present.has(chatId) || this.hidden(chatId)) this.forgetChat(chatId);
    return chats.filter(
      (id) =>
        !visited.has(id) &&
        !this.hidden(id) &&
        !this.skipped.has(id) &&
        (!this.indexedChats.has(id) || (stored.get(id) ?? 0) !== (indexed.get(id) ?? 0)),
    );
  }

  /** Stops a build in progress (the core is closing). */
  dispose(): void {
    if (this.state === 'building') this.state = 'idle';
    this.catchingUp = false;
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
    this.put(this.core.reader.messagesForIndex(chatId, ALL));
    this.updateDraft(chatId);
  }

  private put(messages: readonly DisplayMessage[]): void {
    this.index.putMessages(
      messages.map((m) => ({
        messageId: m.messageId,
        chatId: m.chatId,
        text: searchableText(m),
        sentAt: m.sentAt,
        senderUserId: m.senderUserId,
      })),
    );
  }

  /** Decrypts (for display and the index) the given new messages of a chat. */
  addMessages(chatId: string, messageIds: readonly string[]): MessageView[] {
    if (!this.core.reader.hasChat(chatId)) return [];
    const shown = messageIds.flatMap((id) => this.core.reader.message(chatId, id) ?? []);
    if (this.state === 'built' && !this.indexedChats.has(chatId)) this.updateChat(chatId);
    if (this.indexedChats.has(chatId)) this.put(shown);
    return shown.map((m) => messageView(m));
  }

  /** After an edit or a delete: the index holds the text now shown, and nothing of a deleted message. */
  refreshMessages(chatId: string, messageIds: readonly string[]): void {
    if (!this.indexedChats.has(chatId)) return; // the build reaches it
    const gone = messageIds.filter((id) => {
      const shown = this.core.reader.message(chatId, id);
      return !shown || shown.deleted;
    });
    this.removeMessages(gone);
    this.reindexMessages(
      chatId,
      messageIds.filter((id) => !gone.includes(id)),
    );
  }

  /** A message changed in the store (edited, or searchable parts added): its entry is read again. */
  reindexMessages(chatId: string, messageIds: readonly string[]): void {
    if (!this.indexedChats.has(chatId)) return; // the build reaches it
    this.put(messageIds.flatMap((id) => this.core.reader.messageForIndex(chatId, id) ?? []));
  }

  /** Messages deleted from the store leave the index. */
  removeMessages(messageIds: readonly string[]): void {
    for (const id of messageIds) this.index.removeMessage(id);
  }

  updateChat(chatId: string): void {
    // During the build, a chat not reached yet is left to it.
    if (this.state === 'idle' || (this.state === 'building' && !this.indexedChats.has(chatId))) return;
    if (this.hidden(chatId)) return;
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
    for (const chatId of gone) this.forgetChat(chatId);
    return gone;
  }

  /** A chat evicted or gone: it, its messages and its draft leave the index. */
  forgetChat(chatId: string): void {
    this.index.removeChat(chatId);
    this.indexedChats.delete(chatId);
  }
}
