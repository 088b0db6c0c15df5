import {
  CryptoError,
  derivePasswordKeys,
  generateBoxKeyPair,
  generateChatKey,
  generateMasterKey,
  initCrypto,
  newKdfParams,
  unwrapChatKey,
  unwrapIdentitySecretKey,
  unwrapMasterKey,
  wrapChatKey,
  wrapIdentitySecretKey,
  wrapMasterKey,
} from './index';

beforeAll(initCrypto);

describe('password-derived wrapping of the master key (phone re-login)', () => {
  it('the same password and params give the same keys; the auth key reveals nothing of the wrap key', () => {
    const params = newKdfParams('minimal');
    const first = derivePasswordKeys('correct horse', params);
    const second = derivePasswordKeys('correct horse', params);
    expect(second.authKey).toBe(first.authKey);
    expect(Buffer.from(second.wrapKey).equals(Buffer.from(first.wrapKey))).toBe(true);
    expect(Buffer.from(first.authKey, 'base64url').equals(Buffer.from(first.wrapKey))).toBe(false);
  });

  it('recovers the master key with the right password and refuses a wrong one', () => {
    const params = newKdfParams('minimal');
    const masterKey = generateMasterKey();
    const wrapped = wrapMasterKey(masterKey, derivePasswordKeys('pw-1', params).wrapKey, 'alice');
    const recovered = unwrapMasterKey(wrapped, derivePasswordKeys('pw-1', params).wrapKey, 'alice');
    expect(Buffer.from(recovered).equals(Buffer.from(masterKey))).toBe(true);
    expect(() => unwrapMasterKey(wrapped, derivePasswordKeys('pw-2', params).wrapKey, 'alice')).toThrow(CryptoError);
    expect(() => unwrapMasterKey(wrapped, derivePasswordKeys('pw-1', params).wrapKey, 'mallory')).toThrow(CryptoError);
  });
});

describe('key wrapping under the master key', () => {
  it('a chat key opens only for the member and chat it was wrapped for', () => {
    const mk = generateMasterKey();
    const ck = generateChatKey();
    const wrapped = wrapChatKey(ck, mk, 'chat-1', 'user-1');
    expect(Buffer.from(unwrapChatKey(wrapped, mk, 'chat-1', 'user-1')).equals(Buffer.from(ck))).toBe(true);
    expect(() => unwrapChatKey(wrapped, mk, 'chat-2', 'user-1')).toThrow(CryptoError);
    expect(() => unwrapChatKey(wrapped, generateMasterKey(), 'chat-1', 'user-1')).toThrow(CryptoError);
  });

  it('the identity secret key round-trips', () => {
    const mk = generateMasterKey();
    const identity = generateBoxKeyPair();
    const wrapped = wrapIdentitySecretKey(identity.secretKey, mk, 'user-1');
    expect(Buffer.from(unwrapIdentitySecretKey(wrapped, mk, 'user-1')).equals(Buffer.from(identity.secretKey))).toBe(
      true,
    );
  });
});
