import { z } from 'zod';
import { Id } from '../primitives';
import { AttachmentView } from './attachment-views';

/** The chat list, messages and search hits as the renderer receives them. */

export const LocalMessageStatusSchema = z.enum(['queued', 'sent', 'delivered', 'read']);

export const ChatListEntry = z.object({
  chatId: Id,
  title: z.string(),
  pinned: z.boolean(),
  updatedAt: z.string(),
  unread: z.int().min(0),
  hasDraft: z.boolean(),
  /** The start of the draft, on one line (the list shows "Draft: <text>"); absent without a draft. */
  draftText: z.string().optional(),
  decryptable: z.boolean(),
  lastMessage: z.object({ text: z.string(), senderName: z.string(), mine: z.boolean(), sentAt: z.number() }).nullable(),
  // This user's prefs for the chat, synced across their devices (docs/MESSAGES.md "Chat preferences").
  /** No notifications. */
  muted: z.boolean().optional(),
  /** Listed under "Archived". */
  archived: z.boolean().optional(),
  /** Deleted for me and nothing came since: not listed. */
  deletedForMe: z.boolean().optional(),
});
export type ChatListEntry = z.infer<typeof ChatListEntry>;

/**
 * What the author's signature says (common/trust/message-author.ts): `verified` shown normally, `legacy`
 * (sent before signing) with a subtle mark, `unverified` as a warning that names no one, `pending` (the
 * sender's key not fetched yet) with a subtle mark until it is.
 */
export const SenderVerificationSchema = z.enum(['verified', 'legacy', 'unverified', 'pending']);
export type SenderVerificationView = z.infer<typeof SenderVerificationSchema>;

export const MessageView = z.object({
  messageId: Id,
  chatId: Id,
  /** From the directory, never from the message body; a description for unverified and pending messages. */
  senderName: z.string(),
  verification: SenderVerificationSchema,
  text: z.string(),
  sentAt: z.number(),
  createdAt: z.string(),
  status: LocalMessageStatusSchema,
  mine: z.boolean(),
  decrypted: z.boolean(),
  /** The server refused this queued message for good (its reason); it waits for the user's retry. */
  failure: z.string().nullable(),
  // Message actions (docs/MESSAGES.md).
  /** The message this one answers: its id and the quoted text (from inside the signed body). */
  replyTo: z.object({ messageId: Id, text: z.string() }).nullable(),
  /** The text shown is the author's signed edit. */
  edited: z.boolean(),
  /** An edit arrived that the author did not sign: the original text is shown. */
  editRefused: z.boolean(),
  /** Deleted for everyone: a tombstone, no text. */
  deleted: z.boolean(),
  /**
   * On my own messages: how many of the chat's other members delivered / read it ("Read by 2 of 4"); null on
   * others'. Absent from older hosts.
   */
  receipts: z
    .object({ delivered: z.int().min(0), read: z.int().min(0), recipients: z.int().min(0) })
    .nullable()
    .optional(),
  /** Files the message carries (docs/ATTACHMENTS.md); absent from older hosts. */
  attachments: z.array(AttachmentView).optional(),
});
export type MessageView = z.infer<typeof MessageView>;

export const MessagePage = z.object({ messages: z.array(MessageView), hasMore: z.boolean() });

export const SearchResult = z.object({
  kind: z.enum(['chat', 'message', 'draft']),
  chatId: Id,
  messageId: Id.nullable(),
  chatTitle: z.string(),
  /** Text around the match; `highlights` are [start, end) offsets into it. */
  snippet: z.string(),
  highlights: z.array(z.tuple([z.int().min(0), z.int().min(0)])),
  sentAt: z.number().nullable(),
  /** A message hit's author as the chat shows it (directory name, signature checked); absent from older hosts. */
  senderName: z.string().nullable().optional(),
});
export type SearchResult = z.infer<typeof SearchResult>;
