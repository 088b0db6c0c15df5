import {
  advancedReadThrough,
  chatPrefOf,
  type ReadPosition,
  type UserSettings,
  withChatPref,
} from '../../../../common/content';
import type { LocalStore } from '../store/local-store';

/**
 * Read state between the user's own devices while read receipts are off (docs/MESSAGES.md "Read state
 * between my devices"). Reading a chat here writes its read marker — the newest message read, as (server
 * time, id) — into the user's settings envelope (under the master key: the server can't read it, can't forge
 * one, and other members never learn of it); every device of the user marks read, locally, the messages
 * from others at or before the marker. A marker only moves forward, and a rolled-back (older) one changes
 * nothing: statuses here never move back.
 */
export class ReadMarkers {
  constructor(
    private readonly store: LocalStore,
    private readonly userId: string,
  ) {}

  /**
   * Marks read what the markers of `settings` cover, in `chatIds` (every chat with a marker when omitted).
   * Returns the chats where something became read.
   */
  apply(settings: UserSettings, chatIds?: Iterable<string>): string[] {
    const prefs = settings.chatPrefs ?? {};
    const changed: string[] = [];
    this.store.transaction(() => {
      for (const chatId of chatIds ?? Object.keys(prefs)) {
        const through = prefs[chatId]?.readThrough;
        if (!through) continue;
        const position = { createdAt: new Date(through.at).toISOString(), id: through.id };
        if (this.store.unread.markReadThrough(chatId, this.userId, position) > 0) changed.push(chatId);
      }
    });
    return changed;
  }

  /** Where the chat was just read up to here: its newest message from someone else (null: none). */
  positionOf(chatId: string, newestReadId: string | undefined): ReadPosition | null {
    const row = newestReadId === undefined ? null : this.store.getMessage(chatId, newestReadId);
    const at = row ? Date.parse(row.created_at) : NaN;
    return row && Number.isFinite(at) ? { at, id: row.id } : null;
  }
}

/** The settings with the chat's marker moved to `position` (unchanged when it is there or further already). */
export function withReadThrough(settings: UserSettings, chatId: string, position: ReadPosition): UserSettings {
  const next = advancedReadThrough(chatPrefOf(settings, chatId), position);
  return next ? withChatPref(settings, chatId, { readThrough: next }) : settings;
}
