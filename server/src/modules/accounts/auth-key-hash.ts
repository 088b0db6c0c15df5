import { hashSecretForStorage, type KdfProfile, verifyStoredSecret } from '../../../../common/crypto';

/**
 * The server never sees the password: it receives the client's Argon2id-derived authKey, and stores
 * Argon2id(authKey) again (crypto_pwhash_str), so a leaked database can't be replayed as a login.
 */
export function hashAuthKey(authKey: string, profile: KdfProfile): string {
  return hashSecretForStorage(authKey, profile);
}

export function verifyAuthKey(hash: string, authKey: string): boolean {
  return verifyStoredSecret(hash, authKey);
}

let dummyHash: string | undefined;
/** Spend the same time on an unknown username as on a wrong key, so timing doesn't reveal accounts. */
export function burnVerify(authKey: string, profile: KdfProfile): void {
  dummyHash ??= hashAuthKey('symc-dummy-auth-key', profile);
  verifyAuthKey(dummyHash, authKey);
}
