import { z } from 'zod';
import { Id } from '../primitives';

/**
 * Attachment blobs (docs/ATTACHMENTS.md). Uploads speak tus 1.0 (creation + termination) under
 * `ATTACHMENTS_PATH`; downloads are `GET ATTACHMENTS_PATH/<id>` with HTTP Range. Neither fits the JSON
 * route table (binary bodies), so they are described here as constants both ends import. Every error is
 * still the `{ error: { code, message } }` body.
 */
export const ATTACHMENTS_PATH = '/attachments';

/** tus Upload-Metadata key carrying the attachment id the client chose (a UUID); no other key is accepted. */
export const ATTACHMENT_ID_METADATA_KEY = 'id';

export const DEFAULT_MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024;

export const AttachmentIdParams = z.strictObject({ attachmentId: Id });

export function attachmentUrl(baseUrl: string, attachmentId: string): string {
  return `${baseUrl.replace(/\/$/, '')}${ATTACHMENTS_PATH}/${attachmentId}`;
}

/** `sendMessage` names the blobs its (encrypted) body refers to, so the server can grant the chat access. */
export const MAX_ATTACHMENTS_PER_SEND = 10;
export const AttachmentIds = z.array(Id).min(1).max(MAX_ATTACHMENTS_PER_SEND);
