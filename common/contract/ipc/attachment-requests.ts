import { z } from 'zod';
import { Id } from '../primitives';
import { AttachmentStateView } from './attachment-views';
import { MAX_MESSAGE_CHARS } from './core-requests';
import { Ok, request } from './request-spec';

/**
 * Plaintext bytes per piece a file crosses the bridge in, either way (base64 in JSON: within the headless
 * host's 1 MiB request limit).
 */
export const ATTACHMENT_PIECE_BYTES = 512 * 1024;
/** The server's default MAX_ATTACHMENT_BYTES (http/attachments.ts; kept apart: the renderer loads no HTTP schema). */
export const MAX_ATTACHMENT_FILE_BYTES = 100 * 1024 * 1024;
/** common/content's MAX_THUMBNAIL_BYTES (content imports the contract, not the other way round). */
const MAX_THUMBNAIL_BYTES = 24 * 1024;
const Base64Piece = z
  .string()
  .max(Math.ceil(ATTACHMENT_PIECE_BYTES / 3) * 4)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, { message: 'must be base64' });
/** common/content's MAX_ATTACHMENTS_PER_MESSAGE (content imports the contract, not the other way round). */
export const MAX_FILES_PER_MESSAGE = 10;
const OutgoingImage = z.strictObject({
  width: z.int().min(1).max(100_000),
  height: z.int().min(1).max(100_000),
  thumbnail: z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/)
    .max(Math.ceil((MAX_THUMBNAIL_BYTES * 4) / 3))
    .optional(),
  thumbnailMime: z.enum(['image/jpeg', 'image/png', 'image/webp']).optional(),
});
/** A file message handed to the outbox: sent, or queued (goes by itself), or refused (`failed`: the reason). */
const SendResult = z.object({ messageId: Id, queued: z.boolean(), failed: z.string().nullable() });
const AttachmentRefInput = z.strictObject({ chatId: Id, messageId: Id, attachmentId: Id });
const UploadRef = z.strictObject({ uploadId: Id });

/**
 * Files (docs/ATTACHMENTS.md). The renderer never names a path on disk: it hands over the bytes it has
 * (from a file picker, a drop or a paste) in pieces, and gets a file's bytes back in pieces; only the
 * Electron shell's own save dialog writes a file where the user chose. Everything is encrypted in the app
 * service as it arrives; no plaintext is written to the data directory.
 */
export const attachmentRequests = {
  /**
   * Starts sending one file to a chat; then `appendAttachment` exactly `size` bytes in order. `messageId`:
   * the message another file begun in this chat got — the files then go in one message (an album), up to
   * MAX_ATTACHMENTS_PER_MESSAGE; without it the file starts a message of its own.
   */
  beginAttachment: request(
    z.strictObject({
      chatId: Id,
      name: z.string().trim().min(1).max(255),
      mime: z.string().max(200),
      size: z.int().min(0).max(MAX_ATTACHMENT_FILE_BYTES),
      messageId: Id.optional(),
    }),
    z.object({ uploadId: Id, messageId: Id }),
  ),
  appendAttachment: request(
    z.strictObject({ uploadId: Id, offset: z.int().min(0), data: Base64Piece }),
    z.object({ received: z.int() }),
  ),
  /**
   * Queues the message with its one file and makes a first attempt: upload (progress in `attachmentChanged`),
   * then send. `queued`: not through yet (offline, a server in trouble) — it goes by itself, also after a
   * restart, and shows as waiting to send meanwhile; `failed`: the server refused it (retry with `retrySend`,
   * or `cancelFileSend`). `image`: the renderer's measurements and thumbnail (JPEG/PNG/WebP, at most
   * MAX_THUMBNAIL_BYTES; checked again here).
   */
  finishAttachment: request(
    z.strictObject({ uploadId: Id, text: z.string().max(MAX_MESSAGE_CHARS), image: OutgoingImage.optional() }),
    SendResult,
  ),
  /** The same for a message of several files (all begun with the same `messageId`), in the order given. */
  finishAttachments: request(
    z.strictObject({
      text: z.string().max(MAX_MESSAGE_CHARS),
      files: z
        .array(z.strictObject({ uploadId: Id, image: OutgoingImage.optional() }))
        .min(1)
        .max(MAX_FILES_PER_MESSAGE),
    }),
    SendResult,
  ),
  cancelAttachment: request(UploadRef, Ok),
  /**
   * Gives up on a file message waiting to be sent: it leaves the chat, its sealed files are deleted and its
   * uploads dropped on the server. `cancelled: false` when it was not waiting (sent meanwhile).
   */
  cancelFileSend: request(z.strictObject({ chatId: Id, messageId: Id }), z.object({ cancelled: z.boolean() })),
  attachmentState: request(AttachmentRefInput, AttachmentStateView),
  /** Fetches the file into the encrypted cache (resuming); answers once it is there and checked. */
  downloadAttachment: request(AttachmentRefInput, AttachmentStateView),
  /** Opens the file to read it back in pieces (decrypted as read): to show full size, or to download. */
  openAttachment: request(
    AttachmentRefInput,
    z.object({ readerId: Id, name: z.string(), mime: z.string(), size: z.int() }),
  ),
  readAttachment: request(z.strictObject({ readerId: Id }), z.object({ data: z.string(), done: z.boolean() })),
  closeAttachment: request(z.strictObject({ readerId: Id }), Ok),
  /** The Electron shell's save dialog; `unavailable` elsewhere (the headless renderer downloads instead). */
  saveAttachment: request(AttachmentRefInput, z.object({ saved: z.boolean() })),
  /** Files at most this large are fetched without being opened (0: none). This desktop only. */
  setAutoDownload: request(z.strictObject({ maxBytes: z.int().min(0).max(MAX_ATTACHMENT_FILE_BYTES) }), Ok),
};
