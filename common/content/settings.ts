import { z } from 'zod';
import { ChatPrefs } from './chat-prefs';
import { decryptJson, type Envelope, encryptJson, type MasterKey } from '../crypto';

/**
 * The user's app settings, the plaintext inside the settings envelope (under the master key: every
 * linked device of the user reads them, the server never does). Unknown keys are kept, so an older
 * client that rewrites the settings doesn't drop what a newer one added.
 */
export const UserSettings = z.looseObject({
  theme: z.enum(['system', 'light', 'dark']).optional(),
  notifications: z.enum(['all', 'mentions', 'none']).optional(),
  sendOnEnter: z.boolean().optional(),
  /**
   * Read receipts (docs/MESSAGES.md): absent or true sends them; false sends none (delivered ones still go)
   * and shows no one else's read state either.
   */
  sendReadReceipts: z.boolean().optional(),
  /** The desktop's storage budget (DESIGN "Desktop store"): chats kept and megabytes. */
  desktopBudget: z
    .object({ maxChats: z.int().min(1).max(10_000), maxMegabytes: z.int().min(1).max(100_000) })
    .optional(),
  /** Mute, archive and delete-for-me per chat (common/content/chat-prefs.ts). */
  chatPrefs: ChatPrefs.optional(),
});
export type UserSettings = z.infer<typeof UserSettings>;

export function encryptUserSettings(key: MasterKey, userId: string, settings: UserSettings): Envelope {
  return encryptJson(key, UserSettings.parse(settings), { kind: 'settings', userId });
}
export function decryptUserSettings(key: MasterKey, userId: string, envelope: string): UserSettings {
  return UserSettings.parse(decryptJson(key, envelope, { kind: 'settings', userId }));
}
