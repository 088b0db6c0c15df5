import { fromBase64Url } from '../crypto';
import { MAX_THUMBNAIL_BYTES } from './attachment-ref';

/** Thumbnail types a message may carry, with the first bytes each must start with. */
const SIGNATURES: Record<string, readonly number[][]> = {
  'image/jpeg': [[0xff, 0xd8, 0xff]],
  'image/png': [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  'image/webp': [[0x52, 0x49, 0x46, 0x46]], // "RIFF" … "WEBP" checked below
};

/** The thumbnail types a message may carry (a client shows a thumbnail only as one of these). */
export const THUMBNAIL_TYPES: readonly string[] = Object.keys(SIGNATURES);

/**
 * A thumbnail as a message may carry it: base64url of at most MAX_THUMBNAIL_BYTES, one of the image types
 * above, and its bytes really of that type. Checked by the sender before it goes into a signed body (the
 * desktop's renderer and the phone make it with a canvas) and by the phone again before it shows a received
 * one (a peer's client may be buggy or hostile). Returns a reason when it is refused, null when it is fine.
 */
export function thumbnailProblem(thumbnail: string, mime: string): string | null {
  const signatures = SIGNATURES[mime];
  if (!signatures) return `a thumbnail must be JPEG, PNG or WebP, not "${mime.slice(0, 40)}"`;
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(thumbnail);
  } catch {
    return 'the thumbnail is not base64url';
  }
  if (bytes.length === 0) return 'the thumbnail is empty';
  if (bytes.length > MAX_THUMBNAIL_BYTES) return `the thumbnail is larger than ${MAX_THUMBNAIL_BYTES} bytes`;
  const starts = signatures.some((sig) => sig.every((b, i) => bytes[i] === b));
  const webp = mime !== 'image/webp' || String.fromCharCode(...bytes.subarray(8, 12)) === 'WEBP';
  if (!starts || !webp) return `the thumbnail is not a ${mime} image`;
  return null;
}
