import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { buildPairingLink } from '../../../common/contract';
import {
  encodePublicKey,
  generateBoxKeyPair,
  initCrypto,
  randomBytes,
  randomId,
  toBase64Url,
} from '../../../common/crypto';
import { parsePairingInput } from './pairing';
import { decodeQrFromImageData, type ImageDataLike } from './qr-decode';

beforeAll(initCrypto);

/** A QR rendered the way the desktop renders it (error correction M), as RGBA pixels. */
async function qrImage(text: string, scale = 6): Promise<ImageDataLike> {
  const png = PNG.sync.read(await QRCode.toBuffer(text, { errorCorrectionLevel: 'M', margin: 2, scale }));
  return { data: new Uint8ClampedArray(png.data), width: png.width, height: png.height };
}

/** Pastes an image into a larger grey frame, like a camera frame with the screen somewhere in it. */
function inFrame(image: ImageDataLike, width: number, height: number, left: number, top: number): ImageDataLike {
  const data = new Uint8ClampedArray(width * height * 4).fill(150);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const from = (y * image.width + x) * 4;
      const to = ((y + top) * width + (x + left)) * 4;
      data.set(image.data.subarray(from, from + 4), to);
    }
  }
  return { data, width, height };
}

const pairingLink = () =>
  buildPairingLink({
    pairingId: randomId(),
    desktopPublicKey: encodePublicKey(generateBoxKeyPair().publicKey),
    serverOrigin: 'http://127.0.0.1:8787',
    qrSecret: toBase64Url(randomBytes(16)),
  });

describe('decoding a QR code from pixels', () => {
  it('reads the desktop pairing link back exactly, and the phone accepts it', async () => {
    const link = pairingLink();
    const text = decodeQrFromImageData(await qrImage(link));
    expect(text).toBe(link);
    expect(parsePairingInput(text!)).toMatchObject({ kind: 'link' });
  });

  it('finds a small code off-centre in a larger camera-sized frame', async () => {
    const link = pairingLink();
    expect(decodeQrFromImageData(inFrame(await qrImage(link, 3), 640, 480, 300, 120))).toBe(link);
  });

  it('returns null for a frame with no code in it', () => {
    const blank = { data: new Uint8ClampedArray(320 * 240 * 4).fill(200), width: 320, height: 240 };
    expect(decodeQrFromImageData(blank)).toBeNull();
  });

  it('returns null for an empty or inconsistent image instead of throwing', () => {
    expect(decodeQrFromImageData({ data: new Uint8ClampedArray(0), width: 0, height: 0 })).toBeNull();
    expect(decodeQrFromImageData({ data: new Uint8ClampedArray(16), width: 100, height: 100 })).toBeNull();
  });
});
