import { MAX_THUMBNAIL_BYTES } from '../../../../common/content';
import { toBase64Url } from '../../../../common/crypto';
import type { OutgoingImage } from '../../../src/core/attachments/file-messages';

/** Longest edge of a thumbnail, in pixels, and the JPEG qualities tried until it fits MAX_THUMBNAIL_BYTES. */
const ATTEMPTS = [
  [320, 0.7],
  [320, 0.5],
  [200, 0.5],
  [120, 0.4],
] as const;

/**
 * An image's dimensions and a small JPEG preview made on the phone (canvas), as the desktop's renderer
 * makes them (desktop/src/renderer/src/state/thumbnails.ts; the renderer can't import this folder, nor
 * this folder the renderer's). The canvas decodes the picture and draws it shrunk: EXIF orientation is
 * applied by `createImageBitmap` ("from-image"), and nothing of the file but pixels reaches the preview —
 * no location, no camera data. Null when the browser can't decode it (it then goes as a plain file).
 */
export async function makeThumbnail(file: Blob): Promise<OutgoingImage | null> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    return null;
  }
  const { width, height } = bitmap;
  try {
    for (const [edge, quality] of ATTEMPTS) {
      const scale = Math.min(1, edge / Math.max(width, height));
      const canvas = document.createElement('canvas');
      canvas.width = Math.max(1, Math.round(width * scale));
      canvas.height = Math.max(1, Math.round(height * scale));
      canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
      if (blob && blob.size <= MAX_THUMBNAIL_BYTES)
        return {
          width,
          height,
          thumbnail: toBase64Url(new Uint8Array(await blob.arrayBuffer())),
          thumbnailMime: 'image/jpeg',
        };
    }
    return { width, height };
  } finally {
    bitmap.close();
  }
}
