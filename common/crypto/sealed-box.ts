import { CryptoError } from './errors';
import { type Brand, fromBase64Url, toBase64Url, utf8 } from './encoding';
import type { BoxKeyPair } from './keys';
import { sodium } from './sodium';

/**
 * crypto_box_seal to an X25519 public key: `v1.<base64url>`. Anyone can seal; only the key's owner
 * opens. Used for the pairing bundle (phone → desktop) and for handing a chat key to another user.
 */
export type SealedBox = Brand<string, 'SealedBox'>;

export const SEALED_BOX_PATTERN = /^v1\.[A-Za-z0-9_-]{64,}$/;

export function sealBytes(plaintext: Uint8Array, recipientPublicKey: Uint8Array): SealedBox {
  return `v1.${toBase64Url(sodium().crypto_box_seal(plaintext, recipientPublicKey))}` as SealedBox;
}

export function openSealedBytes(box: string, recipient: BoxKeyPair): Uint8Array {
  const dot = box.indexOf('.');
  const version = dot > 0 ? box.slice(0, dot) : '';
  if (!/^v\d+$/.test(version)) throw new CryptoError('malformed_encoding', 'not a sealed box');
  if (version !== 'v1') throw new CryptoError('unsupported_version', `sealed box version ${version} is not supported`);
  const bytes = fromBase64Url(box.slice(dot + 1), 'sealed box');
  try {
    return sodium().crypto_box_seal_open(bytes, recipient.publicKey, recipient.secretKey);
  } catch {
    throw new CryptoError('decrypt_failed', 'the sealed box does not open with this key');
  }
}

export function sealJson(value: unknown, recipientPublicKey: Uint8Array): SealedBox {
  return sealBytes(utf8.encode(JSON.stringify(value)), recipientPublicKey);
}

export function openSealedJson(box: string, recipient: BoxKeyPair): unknown {
  return JSON.parse(utf8.decode(openSealedBytes(box, recipient)));
}
