import { decryptBytes, encryptBytes, type Envelope } from './envelope';
import { type Base64Url, fromBase64Url, requireLength, toBase64Url } from './encoding';
import type { MasterKey } from './keys';
import { sodium } from './sodium';

/**
 * The account's signing key: Ed25519 (libsodium crypto_sign), one per account, made on the phone. Every
 * message its devices write carries a signature by it (common/content/message-signature.ts), so a
 * recipient can tell who wrote a message from what the author's key signed — not from what the server
 * says or what the body claims. The secret half travels only wrapped under the master key.
 */
export interface SigningKeyPair {
  readonly publicKey: Uint8Array;
  /** libsodium's 64-byte form (seed ‖ public key). */
  readonly secretKey: Uint8Array;
}

export const SIGNING_PUBLIC_KEY_BYTES = 32;
export const SIGNING_SECRET_KEY_BYTES = 64;
export const SIGNATURE_BYTES = 64;

export function generateSigningKeyPair(): SigningKeyPair {
  const { publicKey, privateKey } = sodium().crypto_sign_keypair();
  return { publicKey, secretKey: privateKey };
}

/** The key pair of a 32-byte seed (RFC 8032's "secret key"): for test vectors. */
export function signingKeyPairFromSeed(seed: Uint8Array): SigningKeyPair {
  const { publicKey, privateKey } = sodium().crypto_sign_seed_keypair(requireLength(seed, 32, 'signing seed'));
  return { publicKey, secretKey: privateKey };
}

export function signDetached(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return sodium().crypto_sign_detached(
    message,
    requireLength(secretKey, SIGNING_SECRET_KEY_BYTES, 'signing secret key'),
  );
}

/** False for a wrong signature, a wrong key or malformed input: a verifier never throws on what a peer sent. */
export function verifyDetached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_BYTES || publicKey.length !== SIGNING_PUBLIC_KEY_BYTES) return false;
  try {
    return sodium().crypto_sign_verify_detached(signature, message, publicKey);
  } catch {
    return false;
  }
}

export function encodeSigningPublicKey(publicKey: Uint8Array): Base64Url {
  return toBase64Url(requireLength(publicKey, SIGNING_PUBLIC_KEY_BYTES, 'signing public key'));
}

export function decodeSigningPublicKey(text: string): Uint8Array {
  return requireLength(fromBase64Url(text, 'signing public key'), SIGNING_PUBLIC_KEY_BYTES, 'signing public key');
}

/** The signing secret key at rest (server, desktop credentials): AEAD under the master key, bound to the user id. */
export function wrapSigningSecretKey(secretKey: Uint8Array, masterKey: MasterKey, userId: string): Envelope {
  return encryptBytes(masterKey, requireLength(secretKey, SIGNING_SECRET_KEY_BYTES, 'signing secret key'), {
    kind: 'signing-secret-key',
    userId,
  });
}

/**
 * Opens a wrapped signing secret key and checks it belongs to `publicKey` (the secret key's second half
 * is its public key): a device never signs with a key other than the one the directory publishes.
 */
export function unwrapSigningKeyPair(
  envelope: string,
  masterKey: MasterKey,
  userId: string,
  publicKey: Uint8Array,
): SigningKeyPair {
  const secretKey = requireLength(
    decryptBytes(masterKey, envelope, { kind: 'signing-secret-key', userId }),
    SIGNING_SECRET_KEY_BYTES,
    'signing secret key',
  );
  const derived = sodium().crypto_sign_ed25519_sk_to_pk(secretKey);
  if (!sodium().memcmp(derived, requireLength(publicKey, SIGNING_PUBLIC_KEY_BYTES, 'signing public key'))) {
    sodium().memzero(secretKey);
    throw new Error('the wrapped signing secret key does not match the published signing public key');
  }
  return { publicKey: derived, secretKey };
}
