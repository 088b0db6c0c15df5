import { z } from 'zod';
import { Id } from '../primitives';
import { request } from './request-spec';

/** A chat of the account that is not on this desktop (beyond the synced set, or evicted): docs/SYNC.md. */
export const MoreChatEntry = z.object({
  chatId: Id,
  /** Decrypted on this desktop; null when its key doesn't open here. */
  title: z.string().nullable(),
  updatedAt: z.string(),
  memberCount: z.int().min(0),
});
export type MoreChatEntry = z.infer<typeof MoreChatEntry>;

/**
 * History beyond the synced set. Older messages need no channel of their own: `openChat` and `loadOlder`
 * page them from the server when the store has none older. A chat of this list opens with `openChat`.
 */
export const historyRequests = {
  /** One page of the account's chats not on this desktop; `after` is the previous page's `nextAfter`. */
  listMoreChats: request(
    z.strictObject({ after: Id.optional() }),
    z.object({ chats: z.array(MoreChatEntry), nextAfter: Id.nullable() }),
  ),
};
