import type { UserSettings } from '../../../../common/content';
import type { DesktopAttachments } from '../attachments/desktop-attachments';
import type { DesktopDrafts } from '../drafts/desktop-drafts';
import type { LocalStore } from '../store/local-store';
import type { ChatReader } from '../view/chat-reader';

export interface ChatDeletesDeps {
  readonly store: LocalStore;
  readonly drafts: Pick<DesktopDrafts, 'read' | 'edit' | 'flush'>;
  readonly reader: Pick<ChatReader, 'clear'>;
  /** The attachment cache, once wired (its blobs of a deleted chat go). */
  readonly attachments: () => Pick<DesktopAttachments, 'evicted'> | null;
}

/**
 * Carries out "delete chat for me" on this desktop when the deletion arrives in the user's settings — the
 * user's own action here, or synced from another of their devices (docs/MESSAGES.md "Delete chat for me"):
 * the chat's messages up to the deletion leave the store (and never come back: `store.purge.hides`), its
 * draft is deleted (for every device: an empty draft syncs), its cached attachment blobs are removed, and
 * listeners (the app's search index) drop what they derived from it. The chat row and its keys stay, so a
 * message after the deletion brings the chat back, readable — as the phone does.
 *
 * Each deletion is carried out once (the store remembers the time it purged through per chat), so a later
 * draft in a chat that came back is not deleted again by a replay of the same settings; a newer deletion of
 * the same chat is carried out again.
 */
export class ChatDeletes {
  private readonly listeners = new Set<(chatIds: string[]) => void>();

  constructor(private readonly deps: ChatDeletesDeps) {}

  /** Applies the deletions `settings` hold; returns the chats purged now. */
  apply(settings: UserSettings): string[] {
    const { store, drafts } = this.deps;
    const deleted = new Map<string, number>();
    for (const [chatId, pref] of Object.entries(settings.chatPrefs ?? {}))
      if (pref.deletedAt !== undefined) deleted.set(chatId, pref.deletedAt);
    store.purge.setDeleted(deleted);
    const done = this.purged();
    const now: string[] = [];
    for (const [chatId, deletedAt] of deleted) {
      if ((done[chatId] ?? -1) >= deletedAt) continue;
      store.purge.purgeThrough(chatId, deletedAt);
      // A chat that came back already (a message after the deletion: a deletion that reached this desktop
      // late, or one made before this desktop purged) keeps its draft, which is then likely newer.
      const newest = store.listMessages(chatId, 1)[0];
      const cameBack = newest !== undefined && Date.parse(newest.created_at) > deletedAt;
      if (!cameBack && drafts.read(chatId) !== null) {
        drafts.edit(chatId, ''); // an empty draft is a delete, sent to the server and the other devices
        void drafts.flush().catch(() => undefined);
      }
      void this.deps
        .attachments()
        ?.evicted([chatId])
        .catch(() => undefined);
      done[chatId] = deletedAt;
      now.push(chatId);
    }
    if (now.length === 0) return now;
    store.setState('chat_deletes_purged', JSON.stringify(done));
    this.deps.reader.clear(); // no decrypted text of the purged messages stays in memory
    for (const listener of this.listeners) listener(now);
    return now;
  }

  /** Chats whose messages a deletion just removed (the app drops them from search and redraws them). */
  onPurged(listener: (chatIds: string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private purged(): Record<string, number> {
    try {
      const value: unknown = JSON.parse(this.deps.store.getState('chat_deletes_purged') ?? '{}');
      return value && typeof value === 'object' ? (value as Record<string, number>) : {};
    } catch {
      return {};
    }
  }
}
