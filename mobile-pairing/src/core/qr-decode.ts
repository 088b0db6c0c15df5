import jsQR from 'jsqr';

/** The shape of a DOM `ImageData` (RGBA, row-major), without needing the DOM: tests build one from a PNG. */
export interface ImageDataLike {
  readonly data: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
}

/**
 * The one QR-decoding path: the camera loop hands it video frames, the tests hand it rendered PNGs.
 * Pure and synchronous. Returns the decoded text, or null when no code is readable in the image.
 *
 * `dontInvert`: a desktop screen shows dark modules on a light background; trying the inverted image
 * too would double the work per frame on a phone for codes we never show.
 */
export function decodeQrFromImageData(image: ImageDataLike): string | null {
  if (image.width <= 0 || image.height <= 0 || image.data.length < image.width * image.height * 4) return null;
  const result = jsQR(image.data, image.width, image.height, { inversionAttempts: 'dontInvert' });
  return result && result.data.length > 0 ? result.data : null;
}
