import { z } from 'zod';
import { Id } from '../primitives';
import { request } from './request-spec';

/** Who has delivered / read one of my messages (docs/MESSAGES.md): "Read by 2 of 4", with who on demand. */
export const ReceiptDetailsView = z.object({
  recipients: z.array(
    z.object({
      userId: Id,
      /** From the directory (pinned contacts), never from a message. */
      name: z.string(),
      deliveredAt: z.string().nullable(),
      /** Null while not read — and always while I don't send read receipts (I don't see others' either). */
      readAt: z.string().nullable(),
    }),
  ),
});
export type ReceiptDetailsView = z.infer<typeof ReceiptDetailsView>;

export const receiptRequests = {
  /** Only my own messages (not_found otherwise). */
  getMessageReceipts: request(z.strictObject({ chatId: Id, messageId: Id }), ReceiptDetailsView),
};
