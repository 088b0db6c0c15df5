import { toBase64Url } from '../crypto';
import { thumbnailProblem } from './thumbnail-check';

const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]);
const webp = Uint8Array.from(
  [...'RIFF']
    .map((c) => c.charCodeAt(0))
    .concat(
      [0, 0, 0, 0],
      [...'WEBP'].map((c) => c.charCodeAt(0)),
    ),
);

it('accepts JPEG, PNG and WebP thumbnails whose bytes are of the type they claim', () => {
  expect(thumbnailProblem(toBase64Url(png), 'image/png')).toBeNull();
  expect(thumbnailProblem(toBase64Url(jpeg), 'image/jpeg')).toBeNull();
  expect(thumbnailProblem(toBase64Url(webp), 'image/webp')).toBeNull();
});

it('refuses another type, bytes of another type, an empty or an oversized thumbnail', () => {
  expect(thumbnailProblem(toBase64Url(png), 'image/svg+xml')).toMatch(/JPEG, PNG or WebP/);
  expect(thumbnailProblem(toBase64Url(png), 'image/jpeg')).toMatch(/not a image\/jpeg/);
  const riffNotWebp = webp.slice();
  riffNotWebp[8] = 0x41;
  expect(thumbnailProblem(toBase64Url(riffNotWebp), 'image/webp')).toMatch(/not a image\/webp/);
  expect(thumbnailProblem('', 'image/png')).toMatch(/empty/);
  const big = new Uint8Array(24 * 1024 + 1);
  big.set(png);
  expect(thumbnailProblem(toBase64Url(big), 'image/png')).toMatch(/larger than/);
});
