import { z } from 'zod';
import { AttachmentRefs } from './attachment-ref';

/** A message's plaintext, inside its envelope (under the chat key, bound to chat and message id). */
/**
 * A reply's quote (docs/MESSAGES.md): which message it answers, its author, and an excerpt of its text as the
 * replier saw it. Inside the encrypted body and covered by the signature: the server never sees what a
 * message answers, and can't re-point a reply at another message.
 */
export const ReplyQuote = z.object({
  messageId: z.string().min(1).max(64),
  senderUserId: z.string().min(1).max(64),
  text: z.string().max(280),
});
export type ReplyQuote = z.infer<typeof ReplyQuote>;

/** The excerpt a reply carries: the first 280 characters of the quoted text. */
export function quoteExcerpt(text: string): string {
  return text.length <= 280 ? text : `${text.slice(0, 279)}…`;
}

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
  /** Present when this message answers another (older clients drop it unread and show the text alone). */
  replyTo: ReplyQuote.optional(),
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
