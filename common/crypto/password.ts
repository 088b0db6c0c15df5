import { type Brand, fromBase64Url, toBase64Url, utf8 } from './encoding';
import { decryptBytes, encryptBytes, type Envelope } from './envelope';
import { type MasterKey, masterKeyFromBytes, type PasswordWrapKey } from './keys';
import { sodium } from './sodium';

/**
 * The password never leaves the phone. Argon2id (crypto_pwhash) turns it into a root key, from which two
 * independent subkeys are derived:
 *   - wrapKey: wraps the master key; never sent anywhere;
 *   - authKey: sent to the server as the login secret (the server stores only its own Argon2id hash).
 * So a server that sees the authKey learns nothing that opens the wrapped master key.
 */
export type AuthKey = Brand<string, 'AuthKey'>;

export interface KdfParams {
  readonly salt: string;
  readonly opsLimit: number;
  readonly memLimit: number;
}

/** Costs for the phone's derivation. `minimal` exists for tests and benchmarks only. */
export type KdfProfile = 'interactive' | 'moderate' | 'minimal';

export function kdfLimits(profile: KdfProfile): { opsLimit: number; memLimit: number } {
  const s = sodium();
  switch (profile) {
    case 'interactive':
      return { opsLimit: s.crypto_pwhash_OPSLIMIT_INTERACTIVE, memLimit: s.crypto_pwhash_MEMLIMIT_INTERACTIVE };
    case 'moderate':
      return { opsLimit: s.crypto_pwhash_OPSLIMIT_MODERATE, memLimit: s.crypto_pwhash_MEMLIMIT_MODERATE };
    case 'minimal':
      return { opsLimit: s.crypto_pwhash_OPSLIMIT_MIN, memLimit: s.crypto_pwhash_MEMLIMIT_MIN };
  }
}

export function newKdfParams(profile: KdfProfile): KdfParams {
  const salt = toBase64Url(sodium().randombytes_buf(sodium().crypto_pwhash_SALTBYTES));
  return { salt, ...kdfLimits(profile) };
}

const WRAP_SUBKEY_ID = 1;
const AUTH_SUBKEY_ID = 2;
const KDF_CONTEXT = 'symcpass'; // crypto_kdf contexts are exactly 8 bytes

export interface PasswordKeys {
  readonly wrapKey: PasswordWrapKey;
  readonly authKey: AuthKey;
}

export function derivePasswordKeys(password: string, params: KdfParams): PasswordKeys {
  const s = sodium();
  const root = s.crypto_pwhash(
    s.crypto_kdf_KEYBYTES,
    utf8.encode(password),
    fromBase64Url(params.salt, 'kdf salt'),
    params.opsLimit,
    params.memLimit,
    s.crypto_pwhash_ALG_ARGON2ID13,
  );
  const wrapKey = s.crypto_kdf_derive_from_key(32, WRAP_SUBKEY_ID, KDF_CONTEXT, root) as PasswordWrapKey;
  const authKey = toBase64Url(s.crypto_kdf_derive_from_key(32, AUTH_SUBKEY_ID, KDF_CONTEXT, root)) as string as AuthKey;
  s.memzero(root);
  return { wrapKey, authKey };
}

export function wrapMasterKey(masterKey: MasterKey, wrapKey: PasswordWrapKey, username: string): Envelope {
  return encryptBytes(wrapKey, masterKey, { kind: 'master-key', username });
}

export function unwrapMasterKey(envelope: string, wrapKey: PasswordWrapKey, username: string): MasterKey {
  return masterKeyFromBytes(decryptBytes(wrapKey, envelope, { kind: 'master-key', username }));
}

/**
 * What a server stores of a client's secret (the authKey): Argon2id again, as libsodium's self-describing
 * `crypto_pwhash_str` string, so a leaked database can't be replayed as a login.
 */
export function hashSecretForStorage(secret: string, profile: KdfProfile): string {
  const { opsLimit, memLimit } = kdfLimits(profile);
  return sodium().crypto_pwhash_str(secret, opsLimit, memLimit);
}

/** Whether `secret` matches a `hashSecretForStorage` hash; a malformed hash is a mismatch, not an error. */
export function verifyStoredSecret(hash: string, secret: string): boolean {
  try {
    return sodium().crypto_pwhash_str_verify(hash, secret);
  } catch {
    return false;
  }
}
