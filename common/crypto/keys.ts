import { type Base64Url, type Brand, fromBase64Url, requireLength, toBase64Url } from './encoding';
import { sodium } from './sodium';

/** 32 random bytes created on the phone at sign-up; wraps everything user-private. */
export type MasterKey = Brand<Uint8Array, 'MasterKey'>;
/** One random key per chat; content and metadata of the chat are encrypted under it. */
export type ChatKey = Brand<Uint8Array, 'ChatKey'>;
/** A key derived from the password; wraps the master key for the phone's re-login. */
export type PasswordWrapKey = Brand<Uint8Array, 'PasswordWrapKey'>;
/** Any key usable for an AEAD envelope. */
export type SymmetricKey = MasterKey | ChatKey | PasswordWrapKey;

export const SYMMETRIC_KEY_BYTES = 32;
export const PUBLIC_KEY_BYTES = 32;

export interface BoxKeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

export function generateMasterKey(): MasterKey {
  return sodium().crypto_aead_xchacha20poly1305_ietf_keygen() as MasterKey;
}

export function generateChatKey(): ChatKey {
  return sodium().crypto_aead_xchacha20poly1305_ietf_keygen() as ChatKey;
}

/** X25519 key pair (crypto_box): the user's identity key, or a desktop's ephemeral pairing key. */
export function generateBoxKeyPair(): BoxKeyPair {
  const { publicKey, privateKey } = sodium().crypto_box_keypair();
  return { publicKey, secretKey: privateKey };
}

export function masterKeyFromBytes(bytes: Uint8Array): MasterKey {
  return requireLength(bytes, SYMMETRIC_KEY_BYTES, 'master key') as MasterKey;
}

export function chatKeyFromBytes(bytes: Uint8Array): ChatKey {
  return requireLength(bytes, SYMMETRIC_KEY_BYTES, 'chat key') as ChatKey;
}

export function encodePublicKey(publicKey: Uint8Array): Base64Url {
  return toBase64Url(requireLength(publicKey, PUBLIC_KEY_BYTES, 'public key'));
}

export function decodePublicKey(text: string): Uint8Array {
  return requireLength(fromBase64Url(text, 'public key'), PUBLIC_KEY_BYTES, 'public key');
}

/** Best-effort wipe of key material we no longer need (JS can't guarantee copies are gone). */
export function wipe(bytes: Uint8Array): void {
  sodium().memzero(bytes);
}
