import { readFileSync } from 'node:fs';
import { type ContactsRecord, createApiClient } from '../../common/contract';
import { encodePublicKey, generateBoxKeyPair, initCrypto, encodeSigningPublicKey } from '../../common/crypto';
import { ContactBookReplica, type ContactsStorage } from '../../common/trust/contact-book-replica';
import { encryptContactBook } from '../../common/trust/contact-book-envelope';
import { Contacts } from '../../common/trust/contacts';
import { signIn } from '../../mobile-pairing/src/core/account';
import { dbSnapshot } from './support/db-snapshot';
import { raw, signUpPhone } from './support/phone';
import { startTestServer, type TestServer } from './support/test-server';

let server: TestServer;
let alice: Awaited<ReturnType<typeof signUpPhone>>;
let bob: Awaited<ReturnType<typeof signUpPhone>>;
let carol: Awaited<ReturnType<typeof signUpPhone>>;

beforeAll(async () => {
  await initCrypto();
  server = await startTestServer();
  alice = await signUpPhone(server, 'cbalice');
  bob = await signUpPhone(server, 'cbbob');
  carol = await signUpPhone(server, 'cbcarol');
});
afterAll(() => server.stop());

function memoryStorage(): ContactsStorage {
  let record: ContactsRecord | null = null;
  return { load: () => record, save: (r) => (record = r) };
}

function contactsOf(who: typeof alice, api = who.api) {
  const call = api.call.bind(api) as ConstructorParameters<typeof ContactBookReplica>[0];
  const replica = new ContactBookReplica(call, who.session.masterKey, who.session.userId, memoryStorage());
  return new Contacts(call, replica, who.session.userId);
}

describe('the directory (GET /users/:username, GET /users/id/:userId)', () => {
  it('answers by name and by id with the same entry, signing key included', async () => {
    const byName = await alice.api.call('lookupUser', { params: { username: bob.session.username } });
    const byId = await alice.api.call('lookupUserById', { params: { userId: bob.session.userId } });
    expect(byId).toEqual(byName);
    expect(byId).toEqual({
      userId: bob.session.userId,
      username: bob.session.username,
      identityPublicKey: encodePublicKey(bob.session.identity.publicKey),
      signingPublicKey: encodeSigningPublicKey(bob.session.signing!.publicKey),
    });
    const missing = await raw(server, 'GET', `/users/id/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`, {
      token: alice.session.tokens.accessToken,
    });
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    const bad = await raw(server, 'GET', '/users/id/not-a-uuid', { token: alice.session.tokens.accessToken });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
  });
});

describe('the contact book (GET/PUT /contacts)', () => {
  it('stores versioned envelopes with compare-and-set; a stale write is 409 and changes nothing', async () => {
    expect(await carol.api.call('getContacts', {})).toEqual({ contacts: null });
    const book = { contacts: {} };
    const first = await carol.api.call('putContacts', {
      body: { ciphertext: encryptContactBook(carol.session.masterKey, carol.session.userId, 1, book), baseVersion: 0 },
    });
    expect(first).toMatchObject({ version: 1, updatedByDeviceId: carol.session.deviceId });
    const before = dbSnapshot(server.dbFile);
    const stale = await raw(server, 'PUT', '/contacts', {
      token: carol.session.tokens.accessToken,
      body: { ciphertext: encryptContactBook(carol.session.masterKey, carol.session.userId, 1, book), baseVersion: 0 },
    });
    expect(stale).toMatchObject({
      status: 409,
      body: { error: { code: 'stale_version', message: expect.stringContaining('version 1') } },
    });
    for (const body of [
      { ciphertext: 'plain', baseVersion: 1 },
      { baseVersion: 1 },
      { ciphertext: first.ciphertext, baseVersion: -1 },
    ]) {
      const res = await raw(server, 'PUT', '/contacts', { token: carol.session.tokens.accessToken, body });
      expect({ status: res.status, code: res.body.error.code }).toEqual({ status: 400, code: 'validation_failed' });
    }
    expect((await raw(server, 'GET', '/contacts', {})).status).toBe(401);
    expect(dbSnapshot(server.dbFile)).toEqual(before);
    // Another user sees only their own.
    expect((await bob.api.call('getContacts', {})).contacts?.ciphertext).not.toBe(first.ciphertext);
  });

  it('pins on first lookup; two devices of the user pinning at once both land (409, re-applied)', async () => {
    const second = await signIn(server.client(), {
      username: alice.session.username,
      password: alice.password,
      device: { name: 'second', platform: 'android' },
    });
    const secondApi = createApiClient({ baseUrl: server.url, accessToken: () => second.tokens.accessToken });
    const onPhone = contactsOf(alice);
    const onSecond = contactsOf({ ...alice, session: second }, secondApi);
    await Promise.all([onPhone.lookup(bob.session.username), onSecond.lookup(carol.session.username)]);
    await onPhone.replica.refresh();
    await onSecond.replica.refresh();
    for (const device of [onPhone, onSecond]) {
      expect(Object.keys(device.book().contacts).sort()).toEqual([bob.session.userId, carol.session.userId].sort());
      expect(device.pin(bob.session.userId)).toMatchObject({
        identityPublicKey: encodePublicKey(bob.session.identity.publicKey),
        verified: false,
      });
    }
    expect(onPhone.replica.version).toBe(onSecond.replica.version);
  });

  it('the server holds only the envelope: no pinned name or key in its database', async () => {
    const dave = await signUpPhone(server, 'cbdavecanary');
    const contacts = contactsOf(carol);
    await contacts.replica.refresh();
    await contacts.lookup(dave.session.username);
    await server.server.deps.db.$queryRawUnsafe('PRAGMA wal_checkpoint(FULL)');
    const row = await server.server.deps.db.contactBook.findUnique({ where: { userId: carol.session.userId } });
    expect(row!.ciphertext).not.toContain(dave.session.username);
    expect(row!.ciphertext).not.toContain(encodePublicKey(dave.session.identity.publicKey));
    // The database file has the key (in dave's User row) but the only username copy is dave's own row.
    const bytes = readFileSync(server.dbFile);
    expect(bytes.includes(Buffer.from(`"username":"${dave.session.username}"`))).toBe(false);
  });

  it('keysFor answers from the pin, never from a changed server answer', async () => {
    const contacts = contactsOf(bob);
    await contacts.replica.refresh();
    await contacts.meet([carol.session.userId]);
    const before = await contacts.keysFor(carol.session.userId);
    expect(before).toEqual({ username: carol.session.username, signingPublicKey: carol.session.signing!.publicKey });
    // The server's directory now claims another key for carol (as a compromised server would).
    await server.server.deps.db.user.update({
      where: { id: carol.session.userId },
      data: { identityPublicKey: encodePublicKey(generateBoxKeyPair().publicKey) },
    });
    try {
      await contacts.meet([carol.session.userId], { recheck: true });
      expect(contacts.pin(carol.session.userId)).toMatchObject({
        identityPublicKey: encodePublicKey(carol.session.identity.publicKey),
        pendingChange: expect.objectContaining({ username: carol.session.username }),
      });
      expect(await contacts.keysFor(carol.session.userId)).toEqual(before);
      await expect(contacts.sealingKeys([carol.session.userId])).rejects.toThrow(/safety number changed/);
    } finally {
      await server.server.deps.db.user.update({
        where: { id: carol.session.userId },
        data: { identityPublicKey: encodePublicKey(carol.session.identity.publicKey) },
      });
    }
  });
});
