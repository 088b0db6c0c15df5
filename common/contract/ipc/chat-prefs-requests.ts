import { z } from 'zod';
import { Id } from '../primitives';
import { Ok, request } from './request-spec';

/**
 * Per-chat prefs of this user (docs/MESSAGES.md "Chat preferences"): kept in the user's settings envelope
 * under the master key, so every device of theirs follows and the server can't tell which chat. They need
 * the server (the settings are written there first).
 */
export const chatPrefsRequests = {
  /** No notifications for this chat on any of the user's devices. */
  setChatMuted: request(z.strictObject({ chatId: Id, muted: z.boolean() }), Ok),
  /** Into (or out of) the "Archived" section of the chat list, on every device. */
  setChatArchived: request(z.strictObject({ chatId: Id, archived: z.boolean() }), Ok),
  /**
   * Off this user's lists on every device, with the messages up to now; a message after it brings the chat
   * back with only what came later.
   */
  deleteChatForMe: request(z.strictObject({ chatId: Id }), Ok),
};
