import {
  CryptoError,
  generateBoxKeyPair,
  generateMasterKey,
  initCrypto,
  newCheckCode,
  normalizeCheckCode,
  openSealedJson,
  sealJson,
  toBase64Url,
} from './index';

beforeAll(initCrypto);

describe('sealed boxes (pairing hand-over)', () => {
  it('only the recipient opens the bundle', () => {
    const desktop = generateBoxKeyPair();
    const masterKey = generateMasterKey();
    const box = sealJson({ userId: 'u1', masterKey: toBase64Url(masterKey) }, desktop.publicKey);
    expect(box).toMatch(/^v1\./);
    expect(openSealedJson(box, desktop)).toEqual({ userId: 'u1', masterKey: toBase64Url(masterKey) });
    expect(() => openSealedJson(box, generateBoxKeyPair())).toThrow(CryptoError);
  });

  it('a tampered bundle is rejected', () => {
    const desktop = generateBoxKeyPair();
    const box = sealJson({ hello: 'world' }, desktop.publicKey);
    const bytes = Buffer.from(box.slice(3), 'base64url');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0x80;
    expect(() => openSealedJson(`v1.${bytes.toString('base64url')}`, desktop)).toThrow(
      expect.objectContaining({ code: 'decrypt_failed' }),
    );
  });

  it('an unknown sealed-box version is rejected', () => {
    const desktop = generateBoxKeyPair();
    const box = sealJson({ a: 1 }, desktop.publicKey);
    expect(() => openSealedJson(box.replace(/^v1/, 'v9'), desktop)).toThrow(
      expect.objectContaining({ code: 'unsupported_version' }),
    );
  });
});

describe('check codes', () => {
  it('are six random digits, not derived from anything', () => {
    const codes = Array.from({ length: 50 }, () => newCheckCode());
    for (const code of codes) expect(code).toMatch(/^\d{3} \d{3}$/);
    expect(new Set(codes).size).toBeGreaterThan(45);
  });

  it('accept the ways people type them and refuse anything else', () => {
    expect(normalizeCheckCode('123456')).toBe('123 456');
    expect(normalizeCheckCode(' 123-456 ')).toBe('123 456');
    expect(normalizeCheckCode('12345')).toBeNull();
    expect(normalizeCheckCode('abc def')).toBeNull();
  });
});
