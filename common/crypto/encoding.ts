import { CryptoError } from './errors';
import { sodium } from './sodium';

declare const brand: unique symbol;
/** A nominal type: `Brand<string, 'Envelope'>` can't be passed where a plain string or another brand is expected. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** URL-safe base64 without padding — the only text encoding of bytes on our wires and in our databases. */
export type Base64Url = Brand<string, 'Base64Url'>;

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Node's Buffer where there is one (Node, Electron's main process). Its base64url codec is native: ~0.4 µs
 * for a message envelope against ~2 µs through libsodium's WebAssembly heap, and a syncing desktop decodes
 * two per message. Browsers (the phone app, the renderer) use libsodium's. Both accept exactly the same
 * texts: canonical unpadded base64url.
 */
interface NodeBufferApi {
  from(text: string, encoding: 'base64url'): Uint8Array;
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): { toString(encoding: 'base64url'): string };
}
const nodeBuffer = (globalThis as { Buffer?: NodeBufferApi }).Buffer;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** No dangling sextet, and the bits past the last byte are zero (libsodium's rule: one text per byte string). */
function isCanonicalLength(text: string): boolean {
  const tail = text.length % 4;
  if (tail === 0) return true;
  if (tail === 1) return false;
  const last = ALPHABET.indexOf(text[text.length - 1]!);
  return (last & (tail === 2 ? 0b1111 : 0b11)) === 0;
}

export function toBase64Url(bytes: Uint8Array): Base64Url {
  if (nodeBuffer)
    return nodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url') as Base64Url;
  return sodium().to_base64(bytes, sodium().base64_variants.URLSAFE_NO_PADDING) as Base64Url;
}

export function fromBase64Url(text: string, what = 'value'): Uint8Array {
  if (!BASE64URL.test(text)) throw new CryptoError('malformed_encoding', `${what} is not base64url`);
  if (nodeBuffer) {
    if (!isCanonicalLength(text)) throw new CryptoError('malformed_encoding', `${what} is not base64url`);
    // A copy: Buffer.from hands out slices of a shared pool, and callers may zero or keep what they get.
    return new Uint8Array(nodeBuffer.from(text, 'base64url'));
  }
  try {
    return sodium().from_base64(text, sodium().base64_variants.URLSAFE_NO_PADDING);
  } catch {
    throw new CryptoError('malformed_encoding', `${what} is not base64url`);
  }
}

export function isBase64Url(text: string): text is Base64Url {
  return BASE64URL.test(text);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export const utf8 = {
  encode: (text: string): Uint8Array => encoder.encode(text),
  decode: (bytes: Uint8Array): string => decoder.decode(bytes),
};

export function requireLength(bytes: Uint8Array, length: number, what: string): Uint8Array {
  if (bytes.length !== length) {
    throw new CryptoError('bad_key_length', `${what} must be ${length} bytes, got ${bytes.length}`);
  }
  return bytes;
}
