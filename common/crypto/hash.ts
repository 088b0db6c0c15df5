import { sodium } from './sodium';

/** SHA-512 of the concatenated parts (the safety number's iterated hash). */
export function sha512(...parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const input = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    input.set(part, offset);
    offset += part.length;
  }
  return sodium().crypto_hash_sha512(input);
}
