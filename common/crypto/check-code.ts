import { sodium } from './sodium';

/**
 * The check code the desktop shows beside its QR: 6 random digits from the desktop's own CSPRNG, grouped
 * "123 456". It is the password of the typed-code pairing's PAKE (see pairing-pake.ts) and never leaves
 * the desktop: nothing the server stores or returns is a function of it, so the server can't compute it
 * and can only guess it online — one guess per pairing attempt, 10^-6 each.
 */
export function newCheckCode(): string {
  const digits = sodium().randombytes_uniform(1_000_000).toString().padStart(6, '0');
  return `${digits.slice(0, 3)} ${digits.slice(3)}`;
}

/** Accepts "123456", "123 456", "123-456"; anything else is null. */
export function normalizeCheckCode(input: string): string | null {
  const digits = input.trim().replace(/[\s-]/g, '');
  if (!/^\d{6}$/.test(digits)) return null;
  return `${digits.slice(0, 3)} ${digits.slice(3)}`;
}
