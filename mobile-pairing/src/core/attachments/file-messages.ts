import { type ApiClient, DEFAULT_MAX_ATTACHMENT_BYTES, type MessageRecord } from '../../../../common/contract';
import {
  type AttachmentRef,
  encryptMessageBody,
  type MessageBody,
  signMessageBody,
  THUMBNAIL_TYPES,
  thumbnailProblem,
} from '../../../../common/content';
import {
  encodeAttachmentKey,
  fromBase64Url,
  generateAttachmentKey,
  largestAttachmentPlaintext,
  randomId,
} from '../../../../common/crypto';
import { currentKey } from '../../../../common/trust/group-actions';
import type { PhoneSession } from '../account';
import { asChatKeys, type KeyOrKeys } from '../chats';
import { AttachmentProblem } from './attachment-problem';
import type { BlobTransport } from './blob-transport';
import { discardUpload, uploadSealed, type UploadOptions } from './blob-upload';
import { type PlainFile, SealingSource } from './sealing-source';

/**
 * The largest file the phone sends: the server's default MAX_ATTACHMENT_BYTES counts the encrypted blob,
 * which is a little longer than the file. (A server configured lower answers 413, shown as such.)
 */
export const MAX_FILE_BYTES = largestAttachmentPlaintext(DEFAULT_MAX_ATTACHMENT_BYTES);

export interface OutgoingImage {
  readonly width: number;
  readonly height: number;
  /** base64url of a small JPEG/PNG/WebP preview made on the phone (canvas). */
  readonly thumbnail?: string;
  readonly thumbnailMime?: string;
}

export interface OutgoingFile {
  readonly file: PlainFile;
  readonly name: string;
  readonly mime: string;
  readonly image?: OutgoingImage | null;
}

/** "12.3 MB", for messages and file rows (binary units, as phones show file sizes). */
export function formatFileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const [unit, size] = bytes < 1024 * 1024 ? ['KB', bytes / 1024] : ['MB', bytes / (1024 * 1024)];
  return `${size.toFixed(size < 10 ? 1 : 0)} ${unit}`;
}

/** A file name as a message carries it: no path, 1–255 characters. */
export function cleanFileName(name: string): string {
  const base = name.split(/[/\\]/).pop()?.trim() ?? '';
  if (base === '') return 'file';
  if (base.length <= 255) return base;
  const dot = base.lastIndexOf('.');
  const extension = dot > 0 && base.length - dot <= 16 ? base.slice(dot) : '';
  return `${base.slice(0, 255 - extension.length)}${extension}`;
}

/** Why this file can't be sent, before a byte of it is read; null when it can. */
export function outgoingProblem(outgoing: OutgoingFile): AttachmentProblem | null {
  if (outgoing.file.size > MAX_FILE_BYTES)
    return new AttachmentProblem(
      'too_large',
      `It is ${formatFileSize(outgoing.file.size)}; files must be smaller than ${formatFileSize(DEFAULT_MAX_ATTACHMENT_BYTES)}.`,
    );
  const image = outgoing.image;
  if (image?.thumbnail !== undefined) {
    const problem = thumbnailProblem(image.thumbnail, image.thumbnailMime ?? '');
    if (problem) return new AttachmentProblem('refused', `Its preview can’t be sent: ${problem}.`);
  }
  return null;
}

let localSeq = 0;

/**
 * Sends a file as its own message, encrypted on the phone exactly as the desktop does (docs/ATTACHMENTS.md):
 * a fresh key, the file sealed with secretstream as it is uploaded (tus, resumable) in slices — memory stays
 * bounded whatever its size — then a signed message whose body carries the attachment's id, key, size,
 * type, name, the blob's digest and, for an image, its dimensions and thumbnail.
 *
 * Nothing half-sent becomes a message: the message is sent only after the whole blob is stored, and an
 * upload that failed or whose message was refused is given up (the server forgets its bytes).
 */
export async function sendFile(
  client: ApiClient,
  me: PhoneSession,
  transport: BlobTransport,
  chatId: string,
  key: KeyOrKeys,
  outgoing: OutgoingFile,
  options: UploadOptions & { readonly text?: string } = {},
): Promise<MessageRecord> {
  const problem = outgoingProblem(outgoing);
  if (problem) throw problem;
  const keys = asChatKeys(chatId, key);
  const context = { chatId, messageId: randomId(), attachmentId: randomId() };
  const attachmentKey = generateAttachmentKey();
  const source = new SealingSource(outgoing.file, attachmentKey, context);
  let uploaded = false;
  try {
    const { digest } = await uploadSealed(transport, context.attachmentId, source, options);
    uploaded = true;
    const image = outgoing.image;
    const ref: AttachmentRef = {
      id: context.attachmentId,
      key: encodeAttachmentKey(attachmentKey),
      size: outgoing.file.size,
      mime: outgoing.mime.slice(0, 200),
      name: cleanFileName(outgoing.name),
      digest,
      ...(image
        ? {
            image: {
              width: image.width,
              height: image.height,
              ...(image.thumbnail !== undefined
                ? { thumbnail: image.thumbnail, thumbnailMime: image.thumbnailMime ?? '' }
                : {}),
            },
          }
        : {}),
    };
    const sentAt = Date.now();
    const unsigned: MessageBody = {
      text: options.text ?? '',
      senderName: me.username,
      sentAt,
      attachments: [ref],
    };
    const origin = { chatId, messageId: context.messageId, senderUserId: me.userId };
    const body = me.signing ? signMessageBody(me.signing, origin, unsigned) : unsigned;
    return await client.call('sendMessage', {
      params: { chatId },
      body: {
        messageId: context.messageId,
        clientKey: `${sentAt}:f${++localSeq}:${me.deviceId}`,
        ciphertext: encryptMessageBody(currentKey(keys), chatId, context.messageId, body, keys.current),
        attachmentIds: [context.attachmentId],
        ...(keys.current > 1 ? { keyVersion: keys.current } : {}),
      },
    });
  } catch (error) {
    // Tus terminates a cancelled upload itself; anything else stored of this blob is given up here.
    if (uploaded || !(error instanceof AttachmentProblem && error.kind === 'cancelled'))
      await discardUpload(transport, context.attachmentId);
    throw error;
  } finally {
    source.close();
  }
}

/** The files a shown message carries (none for a tombstone or a message that didn't decrypt). */
export function attachmentsOf(body: MessageBody | null): readonly AttachmentRef[] {
  return body?.attachments ?? [];
}

/**
 * A received thumbnail, as bytes of an image type, only when it passes the same check a sender's does
 * (JPEG, PNG or WebP, at most 24 KiB, its bytes of the type it claims); null otherwise — a message from a
 * buggy or hostile client then shows a file row instead of whatever it carried.
 */
export function thumbnailOf(ref: AttachmentRef): { readonly bytes: Uint8Array; readonly mime: string } | null {
  const thumbnail = ref.image?.thumbnail;
  const mime = ref.image?.thumbnailMime ?? '';
  if (!thumbnail || !THUMBNAIL_TYPES.includes(mime) || thumbnailProblem(thumbnail, mime) !== null) return null;
  return { bytes: fromBase64Url(thumbnail), mime };
}

/** Image types the phone shows full size (as an <img>); anything else is offered as a download. */
const VIEWABLE_IMAGES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/bmp']);

export function isViewableImage(ref: AttachmentRef): boolean {
  return ref.image !== undefined && VIEWABLE_IMAGES.has(ref.mime.toLowerCase());
}
