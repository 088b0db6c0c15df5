import { type Base64Url, toBase64Url } from './encoding';
import { sodium } from './sodium';

/**
 * `n` bytes from the platform's CSPRNG (Web Crypto `getRandomValues`: Node ≥ 19, Chromium and Electron,
 * secure context or not). libsodium's `randombytes_buf` draws from the same OS source but, in the wasm
 * build under Node, costs ~114 µs a call against ~5 µs here — one call per message envelope (its nonce)
 * and per id made it a visible share of sending and seeding (docs/BENCHMARKS.md).
 */
export function randomBytes(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  // getRandomValues fills at most 65,536 bytes per call.
  for (let offset = 0; offset < n; offset += 65_536)
    globalThis.crypto.getRandomValues(bytes.subarray(offset, Math.min(n, offset + 65_536)));
  return bytes;
}

/** RFC 4122 v4 UUID from the CSPRNG (works the same in Node, Chromium and Electron). */
export function randomId(): string {
  const b = randomBytes(16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = sodium().to_hex(b);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** An opaque bearer secret (256 bits). */
export function randomToken(): Base64Url {
  return toBase64Url(randomBytes(32));
}

/** BLAKE2b keyed hash (`crypto_generichash`) of `message` under `key`: `length` bytes (16–64), stable per key. */
export function keyedHash(message: Uint8Array, key: Uint8Array, length: number): Uint8Array {
  return sodium().crypto_generichash(length, message, key);
}

export function sha256Hex(text: string): string {
  return sodium().to_hex(sodium().crypto_hash_sha256(new TextEncoder().encode(text)));
}
