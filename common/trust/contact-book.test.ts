import fc from 'fast-check';
import { encodePublicKey, generateBoxKeyPair, initCrypto, randomId } from '../crypto';
import {
  acknowledgeChange,
  chatTrust,
  type ContactBook,
  type DirectoryClaim,
  EMPTY_CONTACT_BOOK,
  keepPinnedKeys,
  KeyChangeUnacknowledgedError,
  observe,
  sealingKeyFor,
  setVerified,
} from './contact-book';

beforeAll(initCrypto);

const key = (): string => encodePublicKey(generateBoxKeyPair().publicKey);
const entry = (over: Partial<DirectoryClaim> = {}): DirectoryClaim => ({
  userId: randomId(),
  username: 'bob',
  identityPublicKey: key(),
  signingPublicKey: null,
  ...over,
});

describe('the contact book (trust on first use)', () => {
  it('pins on first use and answers with the pin while the server claims another key', () => {
    const bob = entry();
    const first = observe(EMPTY_CONTACT_BOOK, bob, 1);
    expect(first.outcome).toBe('pinned');
    expect(observe(first.book, bob, 2)).toEqual({ book: first.book, outcome: 'same' });

    const forged = { ...bob, identityPublicKey: key() };
    const lied = observe(first.book, forged, 3);
    expect(lied.outcome).toBe('changed');
    expect(lied.book.contacts[bob.userId]!.identityPublicKey).toBe(bob.identityPublicKey);
    expect(lied.book.contacts[bob.userId]!.pendingChange).toMatchObject({
      identityPublicKey: forged.identityPublicKey,
      seenAt: 3,
    });
    // Never sealed to: neither the forged key nor (while the change is pending) the pin.
    expect(() => sealingKeyFor(lied.book, bob.userId)).toThrow(KeyChangeUnacknowledgedError);
    expect(() => sealingKeyFor(lied.book, bob.userId)).toThrow(/bob: safety number changed/);
    expect(sealingKeyFor(first.book, bob.userId)).toBe(bob.identityPublicKey);
  });

  it('a changed username is a change too', () => {
    const bob = entry();
    const { book } = observe(EMPTY_CONTACT_BOOK, bob, 1);
    expect(observe(book, { ...bob, username: 'mallory' }, 2).outcome).toBe('changed');
  });

  it('acknowledging moves the pin to exactly the keys shown and clears "verified"', () => {
    const bob = entry();
    let book = observe(EMPTY_CONTACT_BOOK, bob, 1).book;
    book = setVerified(book, bob.userId, bob.identityPublicKey, true);
    const next = { ...bob, identityPublicKey: key() };
    book = observe(book, next, 2).book;
    expect(chatTrust(book, [bob.userId])).toEqual({
      changed: [{ userId: bob.userId, username: 'bob', verified: true, seenAt: 2 }],
      sendingPaused: true,
    });
    // Acknowledging a key other than the one pending does nothing.
    expect(acknowledgeChange(book, bob.userId, key(), 3)).toBe(book);
    book = acknowledgeChange(book, bob.userId, next.identityPublicKey, 3);
    expect(book.contacts[bob.userId]).toMatchObject({
      identityPublicKey: next.identityPublicKey,
      verified: false,
      pendingChange: null,
      changedAt: 3,
    });
    expect(chatTrust(book, [bob.userId])).toEqual({ changed: [], sendingPaused: false });
  });

  it('keeping the pinned keys clears the warning, keeps "verified", and ignores that claim from then on', () => {
    const bob = entry();
    let book = observe(EMPTY_CONTACT_BOOK, bob, 1).book;
    book = setVerified(book, bob.userId, bob.identityPublicKey, true);
    const lie = { ...bob, identityPublicKey: key() };
    book = observe(book, lie, 2).book;
    expect(keepPinnedKeys(book, bob.userId, key())).toBe(book);
    book = keepPinnedKeys(book, bob.userId, lie.identityPublicKey);
    expect(book.contacts[bob.userId]).toMatchObject({
      identityPublicKey: bob.identityPublicKey,
      verified: true,
      pendingChange: null,
    });
    expect(chatTrust(book, [bob.userId])).toEqual({ changed: [], sendingPaused: false });
    expect(observe(book, lie, 3)).toEqual({ book, outcome: 'rejected' });
    expect(sealingKeyFor(book, bob.userId)).toBe(bob.identityPublicKey);
    // Another new key is a change again.
    expect(observe(book, { ...bob, identityPublicKey: key() }, 4).outcome).toBe('changed');
  });

  it('an unverified contact with a pending change warns without pausing', () => {
    const bob = entry();
    let book = observe(EMPTY_CONTACT_BOOK, bob, 1).book;
    book = observe(book, { ...bob, identityPublicKey: key() }, 2).book;
    expect(chatTrust(book, [bob.userId]).sendingPaused).toBe(false);
    expect(chatTrust(book, [bob.userId]).changed).toHaveLength(1);
  });

  it('verification applies only to the keys compared, and never while a change is pending', () => {
    const bob = entry();
    let book = observe(EMPTY_CONTACT_BOOK, bob, 1).book;
    expect(setVerified(book, bob.userId, key(), true)).toBe(book);
    book = observe(book, { ...bob, identityPublicKey: key() }, 2).book;
    expect(setVerified(book, bob.userId, bob.identityPublicKey, true)).toBe(book);
  });

  it('a signing key arriving later is pinned silently for an unverified contact, and is a change for a verified one', () => {
    const bob = entry();
    const book = observe(EMPTY_CONTACT_BOOK, bob, 1).book;
    const upgraded = { ...bob, signingPublicKey: key() };
    const quiet = observe(book, upgraded, 2);
    expect(quiet.outcome).toBe('signing-key-added');
    expect(quiet.book.contacts[bob.userId]!.signingPublicKey).toBe(upgraded.signingPublicKey);
    expect(observe(quiet.book, { ...upgraded, signingPublicKey: key() }, 3).outcome).toBe('changed');
    const verified = setVerified(book, bob.userId, bob.identityPublicKey, true);
    expect(observe(verified, upgraded, 2).outcome).toBe('changed');
  });

  it('property: whatever the server claims, in any order, a pin only moves by an acknowledgement of the key shown', () => {
    const bob = entry();
    const keys = [bob.identityPublicKey, key(), key()];
    const step = fc.oneof(
      fc.record({ op: fc.constant('observe' as const), k: fc.nat(2) }),
      fc.record({ op: fc.constant('ack' as const), k: fc.nat(2) }),
      fc.record({ op: fc.constant('verify' as const), k: fc.nat(2) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        let book: ContactBook = observe(EMPTY_CONTACT_BOOK, bob, 0).book;
        let t = 1;
        for (const s of steps) {
          const before = book.contacts[bob.userId]!;
          if (s.op === 'observe') book = observe(book, { ...bob, identityPublicKey: keys[s.k]! }, t++).book;
          else if (s.op === 'ack') book = acknowledgeChange(book, bob.userId, keys[s.k]!, t++);
          else book = setVerified(book, bob.userId, keys[s.k]!, true);
          const after = book.contacts[bob.userId]!;
          if (after.identityPublicKey !== before.identityPublicKey) {
            expect(s.op).toBe('ack');
            expect(before.pendingChange?.identityPublicKey).toBe(after.identityPublicKey);
            expect(after.verified).toBe(false);
          }
          if (after.verified && !before.verified) expect(after.pendingChange).toBeNull();
        }
      }),
    );
  });
});
