import { type Base64Url, toBase64Url } from './encoding';
import { sodium } from './sodium';

/** RFC 4122 v4 UUID from libsodium's CSPRNG (works the same in Node, Chromium and Electron). */
export function randomId(): string {
  const b = sodium().randombytes_buf(16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = sodium().to_hex(b);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** An opaque bearer secret (256 bits). */
export function randomToken(): Base64Url {
  return toBase64Url(sodium().randombytes_buf(32));
}

export function sha256Hex(text: string): string {
  return sodium().to_hex(sodium().crypto_hash_sha256(new TextEncoder().encode(text)));
}
