import { z } from 'zod';
import { DeviceKind, Id, Platform } from '../primitives';

/** Settings: linked devices, storage budget, updates, preferences. */

export const LinkedDevice = z.object({
  deviceId: Id,
  name: z.string(),
  kind: DeviceKind,
  platform: Platform,
  lastSeenAt: z.string(),
  current: z.boolean(),
  /** How far its store is: the line shown under it ("Up to date · synced 5 minutes ago"); null: nothing to say. */
  syncText: z.string().nullable().optional(),
});

export const StorageBudgetView = z.strictObject({
  maxChats: z.int().min(1).max(10_000),
  /** At least 1 MiB, at most 10 GiB. */
  maxBytes: z
    .int()
    .min(1024 * 1024)
    .max(10 * 1024 * 1024 * 1024),
});
export const StorageView = z.object({
  chats: z.int(),
  messages: z.int(),
  bytes: z.int(),
  budget: StorageBudgetView,
  /** Cached attachment blobs, counted apart from the messages (both within the budget); absent from older hosts. */
  mediaBytes: z.int().optional(),
  /** Files at most this large are fetched without being opened (this desktop's setting). */
  autoDownloadBytes: z.int().optional(),
});
export type StorageView = z.infer<typeof StorageView>;

export const UpdateView = z.object({
  enabled: z.boolean(),
  phase: z.string(),
  version: z.string().nullable(),
  downloadPercent: z.number().nullable(),
  offer: z.object({ version: z.string(), canInstallNow: z.boolean(), waitingForSync: z.boolean() }).nullable(),
  lastError: z.string().nullable(),
});
export type UpdateView = z.infer<typeof UpdateView>;

/** The user's preferences as the desktop shows and applies them (defaults filled in); synced to all their devices. */
export const PreferencesView = z.object({
  theme: z.enum(['system', 'light', 'dark']),
  /** Native notifications for new messages while the window is unfocused: all, only those naming you, none. */
  notifications: z.enum(['all', 'mentions', 'none']),
  /** Enter sends (Shift+Enter: new line); off: Ctrl/⌘+Enter sends and Enter is a new line. */
  sendOnEnter: z.boolean(),
  /** Send read receipts (off: none sent, delivered still are, and others' read state isn't shown either). */
  sendReadReceipts: z.boolean(),
});
export type PreferencesView = z.infer<typeof PreferencesView>;
