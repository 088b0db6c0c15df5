import { z } from 'zod';
import { Id } from '../primitives';

/** Attachments as the renderer sees them (docs/ATTACHMENTS.md). */

/**
 * `remote`: on the server only; `cached`: here, checked completely; `uploading`/`downloading` with
 * `percent`; `damaged`: the blob failed its check (tampered with or cut) — fetched again on the next try;
 * `unavailable`: the server did not give it (gone, no access, offline).
 */
export const AttachmentStateName = z.enum([
  'remote',
  'cached',
  /** Sealed on this desktop, its message waiting to be sent (offline, or refused: the message's `failure`). */
  'waiting',
  'uploading',
  'downloading',
  'damaged',
  'unavailable',
]);

export const AttachmentStateView = z.object({
  state: AttachmentStateName,
  /** 0–100 while uploading or downloading; null otherwise. */
  percent: z.int().min(0).max(100).nullable(),
});
export type AttachmentStateView = z.infer<typeof AttachmentStateView>;

export const AttachmentView = AttachmentStateView.extend({
  attachmentId: Id,
  name: z.string(),
  mime: z.string(),
  size: z.int().min(0),
  /** Images: dimensions and the sender's thumbnail as a data: URL (JPEG, PNG or WebP only; null without one). */
  image: z
    .object({
      width: z.int(),
      height: z.int(),
      thumbnail: z.string().startsWith('data:image/').nullable(),
    })
    .nullable(),
});
export type AttachmentView = z.infer<typeof AttachmentView>;

/** Pushed while a file goes up or down, and when its state changes. */
export const AttachmentChangedEvent = AttachmentStateView.extend({ chatId: Id, messageId: Id, attachmentId: Id });
