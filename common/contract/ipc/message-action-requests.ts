import { z } from 'zod';
import { Id } from '../primitives';
import { MAX_MESSAGE_CHARS } from './core-requests';
import { Ok, request } from './request-spec';

/** Message actions (docs/MESSAGES.md); they need the server. */
export const messageActionRequests = {
  /** Only the author's own messages; the new text replaces the shown one on every device ("edited"). */
  editMessage: request(
    z.strictObject({
      chatId: Id,
      messageId: Id,
      text: z.string().trim().min(1, 'a message cannot be empty').max(MAX_MESSAGE_CHARS),
    }),
    Ok,
  ),
  /** `forEveryone`: the author's delete for all members (a tombstone); otherwise delete for me (my devices). */
  deleteMessage: request(z.strictObject({ chatId: Id, messageId: Id, forEveryone: z.boolean() }), Ok),
};
