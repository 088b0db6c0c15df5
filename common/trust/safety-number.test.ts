import { encodePublicKey, fromBase64Url, generateBoxKeyPair, initCrypto, randomId } from '../crypto';
import {
  compareScannedSafetyNumber,
  fingerprintDigits,
  safetyNumber,
  safetyNumberGroups,
  safetyNumberQrText,
} from './safety-number';

beforeAll(initCrypto);

const hex = (text: string): Uint8Array => Uint8Array.from(text.match(/../g)!.map((h) => parseInt(h, 16)));

describe('safety numbers', () => {
  it("reproduce Signal's published numeric fingerprint (libsignal-protocol-c test_fingerprint.c, version 0)", () => {
    // The DJB-typed (0x05-prefixed) identity keys and stable ids of libsignal's test.
    const alice = hex('0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868');
    const bob = hex('05f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b');
    const a = fingerprintDigits(0, alice, '+14152222222');
    const b = fingerprintDigits(0, bob, '+14153333333');
    expect(a < b ? a + b : b + a).toBe('300354477692869396892869876765458257569162576843440918079131');
  });

  const user = (signing = false) => ({
    userId: randomId(),
    identityPublicKey: encodePublicKey(generateBoxKeyPair().publicKey),
    signingPublicKey: signing ? encodePublicKey(generateBoxKeyPair().publicKey) : null,
  });

  it('is the same on both sides: 60 digits in 12 groups of 5', () => {
    const alice = user();
    const bob = user(true);
    const number = safetyNumber(alice, bob);
    expect(number).toMatch(/^\d{60}$/);
    expect(safetyNumber(bob, alice)).toBe(number);
    expect(safetyNumberGroups(number)).toHaveLength(12);
  });

  it('changes when either key changes, when a signing key is added, and with the user id', () => {
    const alice = user();
    const bob = user();
    const number = safetyNumber(alice, bob);
    expect(safetyNumber(alice, { ...bob, identityPublicKey: user().identityPublicKey })).not.toBe(number);
    expect(safetyNumber(alice, { ...bob, signingPublicKey: user(true).signingPublicKey })).not.toBe(number);
    expect(safetyNumber(alice, { ...bob, userId: randomId() })).not.toBe(number);
    // Each side's half is its own fingerprint: changing Bob's key keeps Alice's 30 digits in the number.
    const aliceHalf = fingerprintDigits(1, fromBase64Url(alice.identityPublicKey, 'key'), alice.userId);
    expect(safetyNumber(alice, { ...bob, identityPublicKey: user().identityPublicKey })).toContain(aliceHalf);
  });

  it('compares a scanned QR: match, another safety number, or some other code', () => {
    const number = safetyNumber(user(), user());
    expect(compareScannedSafetyNumber(safetyNumberQrText(number), number)).toBe('match');
    const other = safetyNumber(user(), user());
    expect(compareScannedSafetyNumber(safetyNumberQrText(other), number)).toBe('mismatch');
    expect(compareScannedSafetyNumber('symc://pair?x=1', number)).toBe('not-a-safety-number');
    expect(compareScannedSafetyNumber(`${safetyNumberQrText(number)}0`, number)).toBe('not-a-safety-number');
  });
});
