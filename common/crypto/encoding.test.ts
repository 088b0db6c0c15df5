import { fromBase64Url, toBase64Url } from './encoding';
import { CryptoError } from './errors';
import { randomBytes } from './random';
import { initCrypto, sodium } from './sodium';

beforeAll(initCrypto);

// Under Node the codec is Buffer's; in browsers it is libsodium's. Both must agree byte for byte and
// refuse the same texts, or an envelope written by one side would not open on the other.
describe('base64url (the Node path agrees with libsodium, the browser path)', () => {
  const variant = () => sodium().base64_variants.URLSAFE_NO_PADDING;

  it('encodes and decodes every length like libsodium', () => {
    for (let length = 0; length <= 70; length++) {
      const bytes = randomBytes(length);
      const text = toBase64Url(bytes);
      expect(text).toBe(sodium().to_base64(bytes, variant()));
      const decoded = fromBase64Url(text);
      expect(decoded).toEqual(bytes);
      expect(decoded.constructor).toBe(Uint8Array);
    }
  });

  it('encodes a view into a larger buffer by its own bytes only', () => {
    const whole = randomBytes(32);
    expect(toBase64Url(whole.subarray(5, 17))).toBe(sodium().to_base64(whole.slice(5, 17), variant()));
  });

  it.each(['A', 'AAAAA', 'AB', 'AAB', 'AAAAAB', 'AA==', 'A+/A', 'AA AA', 'ÄA'])(
    'refuses %j, as libsodium does',
    (text) => {
      expect(() => sodium().from_base64(text, variant())).toThrow();
      expect(() => fromBase64Url(text, 'the test value')).toThrow(CryptoError);
      expect(() => fromBase64Url(text, 'the test value')).toThrow('the test value is not base64url');
    },
  );

  it('hands out a copy the caller may zero without touching anything else', () => {
    const a = fromBase64Url(toBase64Url(new Uint8Array([1, 2, 3])));
    const b = fromBase64Url(toBase64Url(new Uint8Array([4, 5, 6])));
    a.fill(0);
    expect(Array.from(b)).toEqual([4, 5, 6]);
    expect(a.byteOffset).toBe(0);
    expect(a.buffer.byteLength).toBe(3);
  });
});
