import { CryptoError } from './errors';
import { type Brand, fromBase64Url, toBase64Url, utf8 } from './encoding';
import type { SymmetricKey } from './keys';
import { randomBytes } from './random';
import { sodium } from './sodium';

/**
 * A versioned AEAD ciphertext (XChaCha20-Poly1305): `v1.<nonce>.<ciphertext>`, base64url parts.
 * This is the only shape user content takes outside of memory — on the wire, on the server, on disk.
 */
export type Envelope = Brand<string, 'Envelope'>;

export const ENVELOPE_VERSION = 1;
export const ENVELOPE_PATTERN = /^v1\.[A-Za-z0-9_-]{32}\.[A-Za-z0-9_-]{22,}$/;

/**
 * What a ciphertext is, and whose. It becomes the additional data, so an envelope only opens in the
 * exact row and field it was written for: the server can't swap a message body into another message,
 * another chat, or a draft slot, even though it holds all the ciphertexts.
 */
export type EnvelopeContext =
  // keyVersion (docs/GROUPS.md): the chat key version, present from version 2 on — version 1's additional
  // data is what it was before key versions, so every envelope written then still opens.
  | { readonly kind: 'chat-meta'; readonly chatId: string; readonly keyVersion?: string }
  | { readonly kind: 'message-body'; readonly chatId: string; readonly messageId: string; readonly keyVersion?: string }
  // An edit of a message (docs/MESSAGES.md): the version is bound, so an edit can't pass as another version.
  | { readonly kind: 'message-edit'; readonly chatId: string; readonly messageId: string; readonly version: string }
  | { readonly kind: 'draft'; readonly userId: string; readonly chatId: string }
  | { readonly kind: 'chat-key'; readonly chatId: string; readonly userId: string; readonly keyVersion?: string }
  | { readonly kind: 'identity-secret-key'; readonly userId: string }
  | { readonly kind: 'signing-secret-key'; readonly userId: string }
  | { readonly kind: 'master-key'; readonly username: string }
  | { readonly kind: 'settings'; readonly userId: string }
  // The version is bound too: a replayed older contact book can't pass as the newer version it replaces.
  | { readonly kind: 'contacts'; readonly userId: string; readonly version: string };

/** The `keyVersion` part of a chat context: absent for version 1 (see EnvelopeContext). */
export function keyVersionPart(keyVersion: number): { keyVersion?: string } {
  if (!Number.isInteger(keyVersion) || keyVersion < 1) throw new Error(`not a key version: ${keyVersion}`);
  return keyVersion === 1 ? {} : { keyVersion: String(keyVersion) };
}

export function additionalData(context: EnvelopeContext): Uint8Array {
  // A plain loop: this runs for every envelope a syncing desktop opens (the fields in declaration order).
  let text = `symc/v${ENVELOPE_VERSION}/${context.kind}`;
  for (const field in context) {
    if (field === 'kind') continue;
    const value = (context as Record<string, string>)[field]!;
    if (value.includes('/')) throw new Error(`additional-data part may not contain "/": ${value}`);
    text += `/${value}`;
  }
  return utf8.encode(text);
}

export function encryptBytes(key: SymmetricKey, plaintext: Uint8Array, context: EnvelopeContext): Envelope {
  const s = sodium();
  const nonce = randomBytes(s.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  const ciphertext = s.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, additionalData(context), null, nonce, key);
  return `v${ENVELOPE_VERSION}.${toBase64Url(nonce)}.${toBase64Url(ciphertext)}` as Envelope;
}

export function decryptBytes(key: SymmetricKey, envelope: string, context: EnvelopeContext): Uint8Array {
  const parts = envelope.split('.');
  if (parts.length !== 3 || !/^v\d+$/.test(parts[0] ?? '')) {
    throw new CryptoError('malformed_encoding', 'not an envelope');
  }
  if (parts[0] !== `v${ENVELOPE_VERSION}`) {
    throw new CryptoError('unsupported_version', `envelope version ${parts[0]} is not supported`);
  }
  const nonce = fromBase64Url(parts[1] ?? '', 'envelope nonce');
  const ciphertext = fromBase64Url(parts[2] ?? '', 'envelope ciphertext');
  try {
    return sodium().crypto_aead_xchacha20poly1305_ietf_decrypt(null, ciphertext, additionalData(context), nonce, key);
  } catch {
    // One error for a wrong key, a tampered byte and a wrong row: telling them apart helps only an attacker.
    throw new CryptoError('decrypt_failed', 'the envelope does not open with this key in this context');
  }
}

export function encryptText(key: SymmetricKey, text: string, context: EnvelopeContext): Envelope {
  return encryptBytes(key, utf8.encode(text), context);
}

export function decryptText(key: SymmetricKey, envelope: string, context: EnvelopeContext): string {
  return utf8.decode(decryptBytes(key, envelope, context));
}

export function encryptJson(key: SymmetricKey, value: unknown, context: EnvelopeContext): Envelope {
  return encryptText(key, JSON.stringify(value), context);
}

/** Decrypts and JSON-parses; the caller validates the shape (the contract's schemas). */
export function decryptJson(key: SymmetricKey, envelope: string, context: EnvelopeContext): unknown {
  return JSON.parse(decryptText(key, envelope, context));
}
