/**
 * The seam for shared drafts (issue 7, not built yet). The chat composer asks this for the chat's draft
 * when it opens and tells it about every edit; issue 7 replaces `noDraftSync` with one that encrypts the
 * text under the master key (`encryptDraft` in common/content), debounces 1.2 s, and syncs it through
 * PUT /chats/:id/draft and the `draft:update` event. Until then the composer keeps its text locally and
 * shows no draft UI.
 */
export interface DraftSync {
  /** The chat's current draft text, or null. */
  load(chatId: string): Promise<string | null>;
  /** Called on every edit; an empty text deletes the draft. */
  changed(chatId: string, text: string): void;
  /** Called after the text was sent as a message. */
  sent(chatId: string): void;
}

export const noDraftSync: DraftSync = {
  load: async () => null,
  changed: () => {},
  sent: () => {},
};
