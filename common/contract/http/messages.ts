import { z } from 'zod';
import { Envelope, Id, MessageStatus, Timestamp } from '../primitives';
import { ChatIdParams, KeyVersion } from './chats';
import { MessageEditRecord } from './message-actions';
import { AttachmentIds } from './attachments';
import { route } from './route';

/** One recipient's receipt: who, and when (seed 004's `deliveredTo` / `readBy` entries). */
export const RecipientReceipt = z.object({ userId: Id, at: Timestamp });
export type RecipientReceipt = z.infer<typeof RecipientReceipt>;

/**
 * Per-recipient receipts (docs/MESSAGES.md). Only on the sender's own messages, and only as their own devices
 * see them; absent from servers before per-recipient receipts. `readBy` ⊆ `deliveredTo` (a read implies delivered).
 */
export const RecipientReceipts = z.object({
  deliveredTo: z.array(RecipientReceipt).optional(),
  readBy: z.array(RecipientReceipt).optional(),
});

export const MessageRecord = z.object({
  messageId: Id,
  chatId: Id,
  senderUserId: Id,
  senderDeviceId: Id,
  clientKey: z.string(),
  /** The original body; "" once the message is deleted for everyone (then `deletedAt` is set). */
  ciphertext: z.union([Envelope, z.literal('')]),
  /**
   * One status, for clients that know no more (docs/MESSAGES.md). On your own message: delivered / read once
   * every other member has delivered / read. On someone else's: your own receipt (what unread counts need).
   */
  status: MessageStatus,
  createdAt: Timestamp,
  /** The latest edit (docs/MESSAGES.md); absent from servers before message actions, and when never edited. */
  edit: MessageEditRecord.nullable().optional(),
  /** Delete for everyone: the tombstone's time. */
  deletedAt: Timestamp.nullable().optional(),
  /** The chat key version the body is written under (docs/GROUPS.md); absent from older servers = 1. */
  keyVersion: KeyVersion.optional(),
  ...RecipientReceipts.shape,
});
export type MessageRecord = z.infer<typeof MessageRecord>;

/** Seed format `timestamp:localSeq:device`, but any short printable key unique per device is accepted. */
export const ClientKey = z.string().regex(/^[A-Za-z0-9:._-]{1,128}$/, { message: 'must be 1–128 of [A-Za-z0-9:._-]' });

export const sendMessage = route({
  method: 'POST',
  path: '/chats/:chatId/messages',
  auth: 'device',
  params: ChatIdParams,
  body: z.strictObject({
    messageId: Id,
    clientKey: ClientKey,
    ciphertext: Envelope,
    /** Blobs this message's body refers to (uploaded and finished by the sender); grants the chat read access. */
    attachmentIds: AttachmentIds.optional(),
    /** Must be the chat's current key version with no rotation due (absent = 1), else 409 stale_version. */
    keyVersion: KeyVersion.optional(),
  }),
  response: MessageRecord,
  status: 201,
});

export const MAX_PAGE = 100;

export const listMessages = route({
  method: 'GET',
  path: '/chats/:chatId/messages',
  auth: 'device',
  params: ChatIdParams,
  query: z.strictObject({
    limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
    /** Cursor from the previous page: messages strictly older than this one. */
    before: Id.optional(),
  }),
  response: z.object({ messages: z.array(MessageRecord), nextBefore: Id.nullable() }),
});

/**
 * The caller's receipts for messages of this chat written by others: delivered, or read (which implies
 * delivered). Never moves back. An unknown message, another chat's or your own is refused (nothing stored).
 * `updated` lists the messages whose receipt changed, with the caller's receipt now.
 */
export const markMessages = route({
  method: 'POST',
  path: '/chats/:chatId/receipts',
  auth: 'device',
  params: ChatIdParams,
  body: z.strictObject({
    messageIds: z.array(Id).min(1).max(MAX_PAGE),
    status: z.enum(['delivered', 'read']),
  }),
  response: z.object({ updated: z.array(z.object({ messageId: Id, status: MessageStatus })) }),
});
