/** The app refuses thumbnails over this (common/content MAX_THUMBNAIL_BYTES). */
const MAX_THUMBNAIL_BYTES = 24 * 1024;
const EDGE = 320;

function toBase64Url(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * An image's dimensions and a small JPEG preview made here (canvas), shrunk until it fits the limit. Null
 * when the browser cannot decode the file (it is then sent as a plain file).
 */
export async function makeThumbnail(
  file: Blob,
): Promise<{ width: number; height: number; thumbnail?: string; thumbnailMime?: 'image/jpeg' } | null> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return null;
  }
  const { width, height } = bitmap;
  try {
    for (const [edge, quality] of [
      [EDGE, 0.7],
      [EDGE, 0.5],
      [200, 0.5],
      [120, 0.4],
    ] as const) {
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
