import { z } from 'zod';

/** Largest thumbnail carried inside a message body (bytes before base64url): a small JPEG/WebP preview. */
export const MAX_THUMBNAIL_BYTES = 24 * 1024;
/** Attachments one message may carry. */
export const MAX_ATTACHMENTS_PER_MESSAGE = 10;

const Base64Url = (bytes: number, what: string) =>
  z.string().regex(new RegExp(`^[A-Za-z0-9_-]{${Math.ceil((bytes * 4) / 3)}}$`), {
    message: `must be ${bytes} bytes of ${what} in base64url`,
  });

/**
 * One attachment as its message describes it, inside the encrypted and signed body: everything the
 * recipient needs to fetch, check and open the blob. The server sees only the blob's id and length.
 */
export const AttachmentRef = z.object({
  /** The blob's id on the server (a UUID the sender chose when uploading). */
  id: z.uuid(),
  /** The blob's secretstream key (32 bytes), fresh for this attachment. */
  key: Base64Url(32, 'key'),
  /** Plaintext length in bytes; the blob is exactly attachmentCiphertextSize(size) long. */
  size: z.number().int().min(0),
  /** MIME type the sender's device gave the file (informational: nothing is executed by it). */
  mime: z.string().max(200),
  /** File name as the sender had it (no path). */
  name: z.string().min(1).max(255),
  /** BLAKE2b-256 of the whole blob, base64url: a cached or downloaded copy is checked against it. */
  digest: Base64Url(32, 'digest'),
  /** For images: pixel dimensions and a small preview (bytes in base64url; the body's envelope encrypts it). */
  image: z
    .object({
      width: z.number().int().min(1).max(100_000),
      height: z.number().int().min(1).max(100_000),
      thumbnail: z
        .string()
        .regex(/^[A-Za-z0-9_-]*$/)
        .max(Math.ceil((MAX_THUMBNAIL_BYTES * 4) / 3))
        .optional(),
      thumbnailMime: z.string().max(100).optional(),
    })
    .optional(),
});
export type AttachmentRef = z.infer<typeof AttachmentRef>;

export const AttachmentRefs = z.array(AttachmentRef).max(MAX_ATTACHMENTS_PER_MESSAGE);

/** Fixed-order text parts of one attachment, for the message signature (canonical, not JSON key order). */
export function attachmentSignatureParts(ref: AttachmentRef): string[] {
  return [
    ref.id,
    ref.key,
    String(ref.size),
    ref.mime,
    ref.name,
    ref.digest,
    ref.image ? `${ref.image.width}x${ref.image.height}` : '',
    ref.image?.thumbnail ?? '',
    ref.image?.thumbnailMime ?? '',
  ];
}

/**
 * What local search indexes for a message: its text, then its attachments' file names (one per line). The
 * desktop's index feed calls this instead of reading `body.text`, so "invoice.pdf" finds the message.
 */
export function messageSearchText(body: {
  readonly text: string;
  readonly attachments?: readonly AttachmentRef[];
}): string {
  const names = (body.attachments ?? []).map((a) => a.name);
  return [body.text, ...names].filter((part) => part.trim() !== '').join('\n');
}
