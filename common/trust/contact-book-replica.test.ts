import type { ContactsRecord } from '../contract';
import { encodePublicKey, generateBoxKeyPair, generateMasterKey, initCrypto, randomId } from '../crypto';
import { EMPTY_CONTACT_BOOK, observe } from './contact-book';
import { encryptContactBook } from './contact-book-envelope';
import { ContactBookRefusedError, ContactBookReplica, type ContactsStorage } from './contact-book-replica';

// accept() never calls the server: these tests play the server's answers directly.
const noServer = (() => {
  throw new Error('no server in this test');
}) as unknown as ConstructorParameters<typeof ContactBookReplica>[0];

function memoryStorage(): ContactsStorage & { record: ContactsRecord | null } {
  const s = {
    record: null as ContactsRecord | null,
    load: () => s.record,
    save: (r: ContactsRecord) => void (s.record = r),
  };
  return s;
}

let masterKey: ReturnType<typeof generateMasterKey>;
let userId: string;
let bookV1: typeof EMPTY_CONTACT_BOOK;
let bookV2: typeof EMPTY_CONTACT_BOOK;
beforeAll(async () => {
  await initCrypto();
  masterKey = generateMasterKey();
  userId = randomId();
  const bob = {
    userId: randomId(),
    username: 'bob',
    identityPublicKey: encodePublicKey(generateBoxKeyPair().publicKey),
    signingPublicKey: null,
  };
  bookV1 = observe(EMPTY_CONTACT_BOOK, bob, 1).book;
  bookV2 = observe(bookV1, { ...bob, userId: randomId(), username: 'carol' }, 2).book;
});

function record(version: number, ciphertext: string): ContactsRecord {
  return {
    ciphertext: ciphertext as ContactsRecord['ciphertext'],
    version,
    updatedByDeviceId: randomId(),
    updatedAt: new Date().toISOString(),
  };
}

describe('a device accepting the contact book from the server', () => {
  it('takes a newer version and ignores the one it holds', () => {
    const replica = new ContactBookReplica(noServer, masterKey, userId, memoryStorage());
    const v1 = record(1, encryptContactBook(masterKey, userId, 1, bookV1));
    expect(replica.accept(v1)).toBe(true);
    expect(replica.book()).toEqual(bookV1);
    expect(replica.accept(v1)).toBe(false);
    expect(replica.accept(record(2, encryptContactBook(masterKey, userId, 2, bookV2)))).toBe(true);
    expect(replica.version).toBe(2);
  });

  it('refuses a replayed older version, keeping its own', () => {
    const replica = new ContactBookReplica(noServer, masterKey, userId, memoryStorage());
    const v1 = record(1, encryptContactBook(masterKey, userId, 1, bookV1));
    replica.accept(v1);
    replica.accept(record(2, encryptContactBook(masterKey, userId, 2, bookV2)));
    expect(() => replica.accept(v1)).toThrow(ContactBookRefusedError);
    expect(() => replica.accept(v1)).toThrow(/older than version 2/);
    expect(replica.book()).toEqual(bookV2);
  });

  it('refuses an old book relabelled with a newer version (the version is in the additional data)', () => {
    const replica = new ContactBookReplica(noServer, masterKey, userId, memoryStorage());
    replica.accept(record(1, encryptContactBook(masterKey, userId, 1, bookV1)));
    const relabelled = record(3, encryptContactBook(masterKey, userId, 1, EMPTY_CONTACT_BOOK));
    expect(() => replica.accept(relabelled)).toThrow(/does not open as version 3/);
    expect(replica.book()).toEqual(bookV1);
  });

  it("refuses another user's book (even under the same master key), and a forged one", () => {
    const replica = new ContactBookReplica(noServer, masterKey, userId, memoryStorage());
    expect(() => replica.accept(record(1, encryptContactBook(masterKey, randomId(), 1, bookV1)))).toThrow(
      ContactBookRefusedError,
    );
    expect(() => replica.accept(record(1, encryptContactBook(generateMasterKey(), userId, 1, bookV1)))).toThrow(
      ContactBookRefusedError,
    );
    expect(replica.version).toBe(0);
  });

  it('refuses a different book at the version it holds, and "no book" once it has one', () => {
    const replica = new ContactBookReplica(noServer, masterKey, userId, memoryStorage());
    replica.accept(record(1, encryptContactBook(masterKey, userId, 1, bookV1)));
    expect(() => replica.accept(record(1, encryptContactBook(masterKey, userId, 1, EMPTY_CONTACT_BOOK)))).toThrow(
      /different contact book as version 1/,
    );
    expect(() => replica.accept(null)).toThrow(/no contact book/);
    expect(replica.book()).toEqual(bookV1);
  });
});
