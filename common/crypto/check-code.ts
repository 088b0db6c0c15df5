import { sodium } from './sodium';

/**
 * The short code the desktop shows beside its QR and the user types on the phone. It is derived from the
 * desktop's ephemeral public key, so the phone can check it against the key it is about to seal the master
 * key to: a QR (or a server) that substitutes its own key produces a different code.
 * 6 digits, grouped "123 456": ~20 bits, enough because the server cancels the session after a few misses.
 */
export function checkCodeFor(publicKey: Uint8Array): string {
  const digest = sodium().crypto_generichash(8, publicKey, new TextEncoder().encode('symc-check-code'));
  const view = new DataView(digest.buffer, digest.byteOffset, digest.byteLength);
  const value = Number(view.getBigUint64(0) % 1_000_000n);
  const digits = value.toString().padStart(6, '0');
  return `${digits.slice(0, 3)} ${digits.slice(3)}`;
}

/** Accepts "123456", "123 456", "123-456". */
export function normalizeCheckCode(input: string): string | null {
  const digits = input.replace(/[\s-]/g, '');
  if (!/^\d{6}$/.test(digits)) return null;
  return `${digits.slice(0, 3)} ${digits.slice(3)}`;
}

export function checkCodesEqual(a: string, b: string): boolean {
  const na = normalizeCheckCode(a);
  const nb = normalizeCheckCode(b);
  if (na === null || nb === null) return false;
  return sodium().memcmp(new TextEncoder().encode(na), new TextEncoder().encode(nb));
}
