import { z } from 'zod';
import { AttachmentRefs } from './attachment-ref';

/** A message's plaintext, inside its envelope (under the chat key, bound to chat and message id). */
export const MessageBody = z.object({
  text: z.string().max(64 * 1024),
  senderName: z.string().max(100),
  category: z.string().max(50).optional(),
  /** Client time of writing (ms since epoch), shown as the message time. */
  sentAt: z.number().int(),
  /**
   * The author's Ed25519 signature (base64url, 64 bytes) — common/content/message-signature.ts. Absent in
   * messages from clients older than signing. Older clients drop the field unread (zod strips unknown keys).
   */
  sig: z
    .string()
    .regex(/^[A-Za-z0-9_-]{86}$/, { message: 'must be a 64-byte signature in base64url' })
    .optional(),
  /**
   * Files and images sent with the message (docs/ATTACHMENTS.md). Absent in text-only messages and in
   * bodies written before attachments; older clients drop the field unread and show the text.
   */
  attachments: AttachmentRefs.optional(),
});
export type MessageBody = z.infer<typeof MessageBody>;
