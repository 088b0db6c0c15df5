import { CryptoError } from './errors';
import { sodium } from './sodium';

declare const brand: unique symbol;
/** A nominal type: `Brand<string, 'Envelope'>` can't be passed where a plain string or another brand is expected. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** URL-safe base64 without padding — the only text encoding of bytes on our wires and in our databases. */
export type Base64Url = Brand<string, 'Base64Url'>;

const BASE64URL = /^[A-Za-z0-9_-]*$/;

export function toBase64Url(bytes: Uint8Array): Base64Url {
  return sodium().to_base64(bytes, sodium().base64_variants.URLSAFE_NO_PADDING) as Base64Url;
}

export function fromBase64Url(text: string, what = 'value'): Uint8Array {
  if (!BASE64URL.test(text)) throw new CryptoError('malformed_encoding', `${what} is not base64url`);
  try {
    return sodium().from_base64(text, sodium().base64_variants.URLSAFE_NO_PADDING);
  } catch {
    throw new CryptoError('malformed_encoding', `${what} is not base64url`);
  }
}

export function isBase64Url(text: string): text is Base64Url {
  return BASE64URL.test(text);
}

export const utf8 = {
  encode: (text: string): Uint8Array => new TextEncoder().encode(text),
  decode: (bytes: Uint8Array): string => new TextDecoder('utf-8', { fatal: true }).decode(bytes),
};

export function requireLength(bytes: Uint8Array, length: number, what: string): Uint8Array {
  if (bytes.length !== length) {
    throw new CryptoError('bad_key_length', `${what} must be ${length} bytes, got ${bytes.length}`);
  }
  return bytes;
}
