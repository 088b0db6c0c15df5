import { z } from 'zod';

/**
 * Per-chat preferences of one user — mute, archive, delete for me — kept inside the user's settings
 * envelope (under the master key, docs/MESSAGES.md "Chat preferences"): one blob per user, so the server
 * sees that the settings changed, never which chat is muted or archived, nor how many are.
 */
export const ChatPref = z.looseObject({
  /** No notifications for this chat's new messages. */
  muted: z.boolean().optional(),
  /** Listed under "Archived" instead of the main list (a new message does not bring it back). */
  archived: z.boolean().optional(),
  /**
   * Deleted for me at this time (ms): the chat leaves this user's lists and its messages up to then are
   * not shown on any of their devices; a message after it brings the chat back with only what came later.
   */
  deletedAt: z.int().min(0).optional(),
  /**
   * Read up to here on one of my devices (docs/MESSAGES.md "Read state between my devices"): the server time
   * (ms) and id of the newest message read. Written only while read receipts are off (with them on, read
   * travels as a receipt); it only moves forward. Inside the settings envelope, so the server can neither
   * read nor forge it, and other members never see it.
   */
  readThrough: z.object({ at: z.int().min(0), id: z.string().min(1).max(64) }).optional(),
});
export type ChatPref = z.infer<typeof ChatPref>;

/** Chat id → its prefs; a chat with none is absent (kept small: the whole map rides in one envelope). */
export const ChatPrefs = z.record(z.string().max(64), ChatPref);
export type ChatPrefs = z.infer<typeof ChatPrefs>;

/** What chat-prefs reads of the user's settings (settings.ts holds the whole shape and imports this file). */
interface WithChatPrefs {
  readonly chatPrefs?: ChatPrefs | undefined;
}

export function chatPrefOf(settings: WithChatPrefs | null | undefined, chatId: string): ChatPref {
  return settings?.chatPrefs?.[chatId] ?? {};
}

/**
 * The settings with one chat's prefs changed (fields set to false/undefined are dropped, and a chat left
 * with none leaves the map). Pure: a write that lost to another device's applies it again on the newer
 * settings, so two devices changing different chats (or different fields) both keep their change.
 */
export function withChatPref<S extends WithChatPrefs>(
  settings: S,
  chatId: string,
  patch: Partial<ChatPref>,
): S & { chatPrefs: ChatPrefs } {
  const next: Record<string, unknown> = { ...chatPrefOf(settings, chatId), ...patch };
  for (const [field, value] of Object.entries(next)) if (value === false || value === undefined) delete next[field];
  const prefs: ChatPrefs = { ...settings.chatPrefs };
  if (Object.keys(next).length === 0) delete prefs[chatId];
  else prefs[chatId] = next as ChatPref;
  return { ...settings, chatPrefs: prefs };
}

/** Whether a chat deleted for me is back: a message came after the delete. */
export function deletedForMe(pref: ChatPref, lastActivityMs: number | null): boolean {
  return pref.deletedAt !== undefined && (lastActivityMs === null || lastActivityMs <= pref.deletedAt);
}

/** A message the user deleted with the chat (sent at or before the delete) is not shown. */
export function hiddenByChatDelete(pref: ChatPref, createdAtMs: number): boolean {
  return pref.deletedAt !== undefined && createdAtMs <= pref.deletedAt;
}

export type ReadPosition = NonNullable<ChatPref['readThrough']>;

/** (time, id) order, the order both apps list a chat's messages in. */
export function comparePositions(a: ReadPosition, b: ReadPosition): number {
  return a.at !== b.at ? a.at - b.at : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The read marker moved to `position`, or null when the one held is already there or further: a marker
 * never moves back, so a late write from a device that read less (or a 409 retry on newer settings) keeps
 * the furthest position any of the user's devices reached.
 */
export function advancedReadThrough(pref: ChatPref, position: ReadPosition): ReadPosition | null {
  return pref.readThrough && comparePositions(pref.readThrough, position) >= 0 ? null : position;
}

/** A message at (`createdAtMs`, `messageId`) that one of my devices marked read (the read marker covers it). */
export function readOnAnotherDevice(pref: ChatPref, createdAtMs: number, messageId: string): boolean {
  return pref.readThrough !== undefined && comparePositions({ at: createdAtMs, id: messageId }, pref.readThrough) <= 0;
}
