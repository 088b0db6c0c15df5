import type { AccountKeys, ApiClient, SignedIn } from '../../../common/contract';
import {
  type BoxKeyPair,
  derivePasswordKeys,
  encodePublicKey,
  generateBoxKeyPair,
  generateMasterKey,
  type KdfProfile,
  type MasterKey,
  newKdfParams,
  randomId,
  unwrapIdentitySecretKey,
  unwrapMasterKey,
  wrapIdentitySecretKey,
  wrapMasterKey,
  decodePublicKey,
  type SigningKeyPair,
  generateSigningKeyPair,
  encodeSigningPublicKey,
  wrapSigningSecretKey,
  unwrapSigningKeyPair,
  decodeSigningPublicKey,
} from '../../../common/crypto';

/** What a signed-in phone holds in memory. The master key never leaves the phone except sealed to a desktop. */
export interface PhoneSession {
  readonly userId: string;
  readonly username: string;
  readonly deviceId: string;
  readonly tokens: Pick<SignedIn, 'accessToken' | 'refreshToken' | 'accessExpiresAt' | 'refreshExpiresAt'>;
  readonly masterKey: MasterKey;
  readonly identity: BoxKeyPair;
  /**
   * The account's signing key (signs every message this phone writes). null only for a session stored
   * before signing existed, until `ensureSigningKey` (signing-key.ts) fetches or makes it.
   */
  readonly signing: SigningKeyPair | null;
}

export interface PhoneDeviceInfo {
  readonly name: string;
  readonly platform: 'ios' | 'android' | 'web';
}

/**
 * Sign-up: every key is created here, on the phone. The server receives the public identity key, the
 * identity secret key wrapped by the master key, the master key wrapped by a password-derived key, and an
 * auth key derived from the password independently of that wrapping key.
 */
export async function createAccount(
  client: ApiClient,
  input: { username: string; password: string; device: PhoneDeviceInfo; kdfProfile?: KdfProfile },
): Promise<PhoneSession> {
  const userId = randomId();
  const masterKey = generateMasterKey();
  const identity = generateBoxKeyPair();
  const signing = generateSigningKeyPair();
  const kdf = newKdfParams(input.kdfProfile ?? 'interactive');
  const { wrapKey, authKey } = derivePasswordKeys(input.password, kdf);
  const signedIn = await client.call('register', {
    body: {
      username: input.username,
      userId,
      authKey,
      kdf,
      wrappedMasterKey: wrapMasterKey(masterKey, wrapKey, input.username),
      identityPublicKey: encodePublicKey(identity.publicKey),
      wrappedIdentitySecretKey: wrapIdentitySecretKey(identity.secretKey, masterKey, userId),
      signingPublicKey: encodeSigningPublicKey(signing.publicKey),
      wrappedSigningSecretKey: wrapSigningSecretKey(signing.secretKey, masterKey, userId),
      device: input.device,
    },
  });
  return {
    userId,
    username: input.username,
    deviceId: signedIn.deviceId,
    tokens: signedIn,
    masterKey,
    identity,
    signing,
  };
}

/** Sign-in on a new phone: recover the master key through the password-wrapped copy. */
export async function signIn(
  client: ApiClient,
  input: { username: string; password: string; device: PhoneDeviceInfo },
): Promise<PhoneSession> {
  const { kdf } = await client.call('prelogin', { body: { username: input.username } });
  const { wrapKey, authKey } = derivePasswordKeys(input.password, kdf);
  const result = await client.call('login', { body: { username: input.username, authKey, device: input.device } });
  const masterKey = unwrapMasterKey(result.wrappedMasterKey, wrapKey, input.username);
  const identity = {
    publicKey: decodePublicKey(result.account.identityPublicKey),
    secretKey: unwrapIdentitySecretKey(result.account.wrappedIdentitySecretKey, masterKey, result.userId),
  };
  // An account from before signing has none yet: the caller's `ensureSigningKey` makes and uploads it.
  const signing = signingKeyFromAccount(result.account, masterKey);
  return {
    userId: result.userId,
    username: input.username,
    deviceId: result.deviceId,
    tokens: result,
    masterKey,
    identity,
    signing,
  };
}

/** The account's signing key pair from what the server holds (null: it has none yet). Throws when it doesn't open. */
export function signingKeyFromAccount(
  account: Pick<AccountKeys, 'userId'> & Partial<Pick<AccountKeys, 'signingPublicKey' | 'wrappedSigningSecretKey'>>,
  masterKey: MasterKey,
): SigningKeyPair | null {
  if (!account.signingPublicKey || !account.wrappedSigningSecretKey) return null;
  return unwrapSigningKeyPair(
    account.wrappedSigningSecretKey,
    masterKey,
    account.userId,
    decodeSigningPublicKey(account.signingPublicKey),
  );
}
