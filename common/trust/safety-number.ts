import { decodePublicKey, sha512, utf8 } from '../crypto';

/**
 * Safety numbers, Signal's numeric fingerprint scheme: each user's fingerprint is an iterated SHA-512 over
 * version | public key(s) | stable user id, read as 30 digits; the pair's safety number is the two sorted
 * and concatenated — 60 digits, the same on both sides, shown in 12 groups of 5. Two users who see the same
 * 60 digits (or one scans the other's QR) hold each other's real keys: a server that substituted a key would
 * have to find keys giving the same digits, ~2^100 work per attempt at 5,200 hashes each.
 */

/** Symc's scheme version (Signal's own numbers use 0; a different version never collides with them). */
export const SAFETY_NUMBER_VERSION = 1;
export const FINGERPRINT_ITERATIONS = 5200;

/** One side's fingerprint: 30 digits from `iterations` rounds of SHA-512 (Signal's NumericFingerprintGenerator). */
export function fingerprintDigits(
  version: number,
  publicKey: Uint8Array,
  stableId: string,
  iterations = FINGERPRINT_ITERATIONS,
): string {
  const versionBytes = new Uint8Array([(version >> 8) & 0xff, version & 0xff]);
  // Round 1 hashes version | key | id | key; every later round hashes the previous digest | key.
  let hash = concat(versionBytes, publicKey, utf8.encode(stableId));
  for (let i = 0; i < iterations; i++) hash = sha512(hash, publicKey);
  let digits = '';
  // Six 5-byte chunks, each a 40-bit big-endian number mod 100,000 (exact in a double: < 2^53).
  for (let offset = 0; offset < 30; offset += 5) {
    let chunk = 0;
    for (let i = 0; i < 5; i++) chunk = chunk * 256 + hash[offset + i]!;
    digits += String(chunk % 100_000).padStart(5, '0');
  }
  return digits;
}

function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The keys a user's fingerprint covers: the identity key, then the signing key when the account has one. */
export interface FingerprintKeys {
  readonly userId: string;
  readonly identityPublicKey: string;
  readonly signingPublicKey: string | null;
}

function keyBytes(keys: FingerprintKeys): Uint8Array {
  const identity = decodePublicKey(keys.identityPublicKey);
  if (!keys.signingPublicKey) return identity;
  const both = new Uint8Array(64);
  both.set(identity, 0);
  both.set(decodePublicKey(keys.signingPublicKey), 32);
  return both;
}

/** The 60-digit safety number of two users: the same whichever of them computes it. */
export function safetyNumber(a: FingerprintKeys, b: FingerprintKeys): string {
  const fa = fingerprintDigits(SAFETY_NUMBER_VERSION, keyBytes(a), a.userId);
  const fb = fingerprintDigits(SAFETY_NUMBER_VERSION, keyBytes(b), b.userId);
  return fa < fb ? fa + fb : fb + fa;
}

/** 12 groups of 5 digits, for display. */
export function safetyNumberGroups(digits: string): string[] {
  return digits.match(/\d{5}/g) ?? [];
}

/** What the QR of a safety number holds: a prefix (so another code is recognised as such) and the digits. */
const QR_PREFIX = 'symc-safety-number:v1:';

export function safetyNumberQrText(digits: string): string {
  return QR_PREFIX + digits;
}

/**
 * Compares a scanned QR with the safety number computed here: 'match', 'mismatch' (a safety number, but
 * another one — the keys differ), or 'not-a-safety-number' (some other code).
 */
export function compareScannedSafetyNumber(
  scanned: string,
  digits: string,
): 'match' | 'mismatch' | 'not-a-safety-number' {
  const text = scanned.trim();
  if (!text.startsWith(QR_PREFIX) || !/^\d{60}$/.test(text.slice(QR_PREFIX.length))) return 'not-a-safety-number';
  return text.slice(QR_PREFIX.length) === digits ? 'match' : 'mismatch';
}
