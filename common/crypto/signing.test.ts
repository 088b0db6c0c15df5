import {
  decodeSigningPublicKey,
  encodeSigningPublicKey,
  generateMasterKey,
  generateSigningKeyPair,
  initCrypto,
  signDetached,
  signingKeyPairFromSeed,
  unwrapSigningKeyPair,
  verifyDetached,
  wrapSigningSecretKey,
} from './index';

beforeAll(initCrypto);

const hex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));

// RFC 8032 §7.1, Ed25519 TEST 1 (empty message) and TEST 2 (one byte).
const VECTORS = [
  {
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
];

describe('Ed25519 signing keys', () => {
  it.each(VECTORS)('matches RFC 8032 test vector (public key $publicKey)', (v) => {
    const pair = signingKeyPairFromSeed(hex(v.seed));
    expect(Buffer.from(pair.publicKey).toString('hex')).toBe(v.publicKey);
    const signature = signDetached(hex(v.message), pair.secretKey);
    expect(Buffer.from(signature).toString('hex')).toBe(v.signature);
    expect(verifyDetached(hex(v.signature), hex(v.message), hex(v.publicKey))).toBe(true);
  });

  it('refuses a flipped bit in the signature or the message, another key, and malformed lengths', () => {
    const pair = generateSigningKeyPair();
    const message = new TextEncoder().encode('hello');
    const signature = signDetached(message, pair.secretKey);
    expect(verifyDetached(signature, message, pair.publicKey)).toBe(true);
    const flipped = signature.slice();
    flipped[10] = flipped[10]! ^ 1;
    expect(verifyDetached(flipped, message, pair.publicKey)).toBe(false);
    expect(verifyDetached(signature, new TextEncoder().encode('hellp'), pair.publicKey)).toBe(false);
    expect(verifyDetached(signature, message, generateSigningKeyPair().publicKey)).toBe(false);
    expect(verifyDetached(signature.subarray(0, 63), message, pair.publicKey)).toBe(false);
    expect(verifyDetached(signature, message, pair.publicKey.subarray(0, 31))).toBe(false);
  });

  it('the secret key round-trips wrapped under the master key, bound to the user id and to its public key', () => {
    const masterKey = generateMasterKey();
    const pair = generateSigningKeyPair();
    const wrapped = wrapSigningSecretKey(pair.secretKey, masterKey, 'user-1');
    const back = unwrapSigningKeyPair(
      wrapped,
      masterKey,
      'user-1',
      decodeSigningPublicKey(encodeSigningPublicKey(pair.publicKey)),
    );
    expect(Buffer.from(back.secretKey).equals(Buffer.from(pair.secretKey))).toBe(true);
    expect(() => unwrapSigningKeyPair(wrapped, masterKey, 'user-2', pair.publicKey)).toThrow('does not open');
    expect(() => unwrapSigningKeyPair(wrapped, generateMasterKey(), 'user-1', pair.publicKey)).toThrow('does not open');
    // A server that publishes another public key beside this wrapped secret: the device refuses to sign.
    expect(() => unwrapSigningKeyPair(wrapped, masterKey, 'user-1', generateSigningKeyPair().publicKey)).toThrow(
      'does not match',
    );
  });
});
