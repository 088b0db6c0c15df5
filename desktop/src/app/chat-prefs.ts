import { chatPrefOf, deletedForMe, hiddenByChatDelete, type UserSettings } from '../../../common/content';
import type { AppCore } from '../core/desktop-core';
import type { DisplayMessage } from '../core/view/chat-reader';

/**
 * This user's prefs for one chat, as the list shows them (docs/MESSAGES.md "Chat preferences").
 * `lastMessageAt`: the server time of the chat's newest message here (null when it has none).
 */
export function chatPrefsView(core: AppCore, chatId: string, lastMessageAt: number | null) {
  const pref = chatPrefOf(core.settings.read(), chatId);
  return {
    muted: pref.muted === true,
    archived: pref.archived === true,
    deletedForMe: deletedForMe(pref, lastMessageAt),
  };
}

/** Deleted for me and nothing came after: out of the lists and out of search (its messages are purged). */
export function hiddenForMe(core: AppCore, chatId: string): boolean {
  const pref = chatPrefOf(core.settings.read(), chatId);
  if (pref.deletedAt === undefined) return false;
  const last = core.reader.lastMessage(chatId);
  return deletedForMe(pref, last ? Date.parse(last.createdAt) : null);
}

export function isMuted(core: AppCore, chatId: string): boolean {
  return chatPrefOf(core.settings.read(), chatId).muted === true;
}

/** A chat deleted for me shows only what came after the delete (the same on every device of mine). */
export function afterChatDelete(core: AppCore, chatId: string, page: readonly DisplayMessage[]) {
  const pref = chatPrefOf(core.settings.read(), chatId);
  return pref.deletedAt === undefined ? page : page.filter((m) => !hiddenByChatDelete(pref, Date.parse(m.createdAt)));
}

/** The chats whose prefs differ between two versions of the settings (their list entries must be re-sent). */
export function chatPrefsChanged(before: UserSettings, after: UserSettings): string[] {
  const ids = new Set([...Object.keys(before.chatPrefs ?? {}), ...Object.keys(after.chatPrefs ?? {})]);
  return [...ids].filter((id) => JSON.stringify(chatPrefOf(before, id)) !== JSON.stringify(chatPrefOf(after, id)));
}

/**
 * Tracks the settings the renderer last saw and names the chats whose prefs changed with each new version
 * (here or on another device of the user).
 */
export function followChatPrefs(core: AppCore, changed: (chatIds: string[]) => void): () => void {
  let seen = core.settings.read();
  return core.settings.onChange((settings) => {
    const ids = chatPrefsChanged(seen, settings);
    seen = settings;
    if (ids.length > 0) changed(ids);
  });
}
