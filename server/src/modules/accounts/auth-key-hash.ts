import { kdfLimits, type KdfProfile } from '../../../../common/crypto';
import { sodium } from '../../../../common/crypto/sodium';

/**
 * The server never sees the password: it receives the client's Argon2id-derived authKey, and stores
 * Argon2id(authKey) again (crypto_pwhash_str), so a leaked database can't be replayed as a login.
 */
export function hashAuthKey(authKey: string, profile: KdfProfile): string {
  const { opsLimit, memLimit } = kdfLimits(profile);
  return sodium().crypto_pwhash_str(authKey, opsLimit, memLimit);
}

export function verifyAuthKey(hash: string, authKey: string): boolean {
  try {
    return sodium().crypto_pwhash_str_verify(hash, authKey);
  } catch {
    return false;
  }
}

let dummyHash: string | undefined;
/** Spend the same time on an unknown username as on a wrong key, so timing doesn't reveal accounts. */
export function burnVerify(authKey: string, profile: KdfProfile): void {
  dummyHash ??= hashAuthKey('symc-dummy-auth-key', profile);
  verifyAuthKey(dummyHash, authKey);
}
