import {
  derivePasswordKeys,
  encodePublicKey,
  generateBoxKeyPair,
  newKdfParams,
  randomId,
} from '../../../common/crypto';

/** A valid `POST /auth/register` body built by hand, for requests the typed client would not send. */
export function registerBody(username: string, deviceName = 'Phone') {
  const kdf = newKdfParams('minimal');
  const { authKey } = derivePasswordKeys('pw', kdf);
  return {
    username,
    userId: randomId(),
    authKey,
    kdf,
    wrappedMasterKey: `v1.${'A'.repeat(32)}.${'B'.repeat(64)}`,
    identityPublicKey: encodePublicKey(generateBoxKeyPair().publicKey),
    wrappedIdentitySecretKey: `v1.${'A'.repeat(32)}.${'C'.repeat(64)}`,
    device: { name: deviceName, platform: 'android' },
  };
}
