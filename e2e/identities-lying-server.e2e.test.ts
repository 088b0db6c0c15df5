import { api, type ContactsRecord, createApiClient } from '../common/contract';
import {
  encodePublicKey,
  generateBoxKeyPair,
  initCrypto,
  openSealedBytes,
  encodeSigningPublicKey,
} from '../common/crypto';
import { KeyChangeUnacknowledgedError } from '../common/trust/contact-book';
import type { ApiCaller } from '../common/trust/contact-book-replica';
import { Contacts } from '../common/trust/contacts';
import { safetyNumber } from '../common/trust/safety-number';
import { signIn } from '../mobile-pairing/src/core/account';
import { chatKeyFor, startChat } from '../mobile-pairing/src/core/chats';
import { forgetPhoneContacts, phoneContacts } from '../mobile-pairing/src/core/contacts';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { LyingServer } from './support/lying-server';

/**
 * Identities against a server that lies (docs/THREAT-MODEL.md "Identities"): the phone core, through the
 * LyingServer proxy in front of the real server.
 */
let server: TestServer;
let liar: LyingServer;

beforeAll(async () => {
  await initCrypto();
  server = await startTestServer();
  liar = await new LyingServer(server.url).start();
});
afterAll(async () => {
  await liar.stop();
  await server.stop();
});

/** A user whose phone talks to the lying server. */
async function userBehindLiar(name: string) {
  const user = await signUpPhone(server, name);
  return { ...user, api: createApiClient({ baseUrl: liar.url, accessToken: () => user.session.tokens.accessToken }) };
}

const forged = () => encodePublicKey(generateBoxKeyPair().publicKey);

describe('a server substituting an identity key', () => {
  it('gets no chat key sealed to its key: the chat is refused with "safety number changed" until acknowledged', async () => {
    const alice = await userBehindLiar('idalice');
    const bob = await signUpPhone(server, 'idbob');
    await startChat(alice.api, alice.session, { title: 'First', memberUsernames: [bob.session.username] });

    const serverKeys = generateBoxKeyPair();
    const fake = encodePublicKey(serverKeys.publicKey);
    const undo = liar.rewriteJson(api.lookupUser, (body) => ({ ...(body as object), identityPublicKey: fake }));
    const creates = liar.requestsTo(api.createChat).length;
    const attempt = startChat(alice.api, alice.session, { title: 'Second', memberUsernames: [bob.session.username] });
    await expect(attempt).rejects.toBeInstanceOf(KeyChangeUnacknowledgedError);
    await expect(attempt).rejects.toThrow(`${bob.session.username}: safety number changed`);
    // Nothing was sent to create the chat.
    expect(liar.requestsTo(api.createChat)).toHaveLength(creates);

    // The change is in the pins for every device of alice (synced), with the key the server claimed.
    const contacts = await phoneContacts(alice.api, alice.session);
    expect(contacts.pin(bob.session.userId)!.pendingChange).toMatchObject({ identityPublicKey: fake });
    const secondPhone = await signIn(server.client(), {
      username: alice.session.username,
      password: alice.password,
      device: { name: '2', platform: 'web' },
    });
    const onSecond = await phoneContacts(
      server.client(() => secondPhone.tokens.accessToken),
      secondPhone,
    );
    expect(onSecond.trust([bob.session.userId]).changed).toEqual([
      expect.objectContaining({ userId: bob.session.userId, verified: false }),
    ]);

    // Only once the user acknowledged it does a chat key go to the new key (here: the server's, which opens it).
    try {
      await contacts.acknowledge(bob.session.userId, fake);
      const { chatKey } = await startChat(alice.api, alice.session, {
        title: 'Third',
        memberUsernames: [bob.session.username],
      });
      const sent = liar.requestsTo(api.createChat).at(-1)!.body as { members: { sealedChatKey: string }[] };
      expect(openSealedBytes(sent.members[0]!.sealedChatKey, serverKeys)).toEqual(chatKey);
    } finally {
      undo();
    }
    // The server going back to the real key is a change again, shown, not taken.
    await expect(
      startChat(alice.api, alice.session, { title: 'Fourth', memberUsernames: [bob.session.username] }),
    ).rejects.toThrow(/safety number changed/);
  });

  it('a verified contact whose key changes pauses sending to their chats until the user acknowledges', async () => {
    const alice = await userBehindLiar('idvalice');
    const bob = await signUpPhone(server, 'idvbob');
    await startChat(alice.api, alice.session, { title: 'Ours', memberUsernames: [bob.session.username] });
    const contacts = await phoneContacts(alice.api, alice.session);
    await contacts.setVerified(bob.session.userId, encodePublicKey(bob.session.identity.publicKey), true);
    expect(contacts.trust([bob.session.userId])).toEqual({ changed: [], sendingPaused: false });

    const fake = forged();
    const undo = liar.rewriteJson(api.lookupUserById, (body) => ({ ...(body as object), identityPublicKey: fake }));
    try {
      await contacts.meet([bob.session.userId], { recheck: true });
    } finally {
      undo();
    }
    expect(contacts.trust([bob.session.userId])).toEqual({
      changed: [expect.objectContaining({ userId: bob.session.userId, verified: true })],
      sendingPaused: true,
    });
    await contacts.acknowledge(bob.session.userId, fake);
    expect(contacts.trust([bob.session.userId]).sendingPaused).toBe(false);
    expect(contacts.pin(bob.session.userId)).toMatchObject({ identityPublicKey: fake, verified: false });
  });
});

describe('refusing a key change', () => {
  it('keeping the pinned keys resumes sending, ignores the same lie after, and new chats go to the real key', async () => {
    const alice = await userBehindLiar('kpalice');
    const bob = await signUpPhone(server, 'kpbob');
    await startChat(alice.api, alice.session, { title: 'Before', memberUsernames: [bob.session.username] });
    const contacts = await phoneContacts(alice.api, alice.session);
    await contacts.setVerified(bob.session.userId, encodePublicKey(bob.session.identity.publicKey), true);
    const fake = forged();
    const undo = liar.rewriteJson(api.lookupUser, (body) => ({ ...(body as object), identityPublicKey: fake }));
    const undoById = liar.rewriteJson(api.lookupUserById, (body) => ({ ...(body as object), identityPublicKey: fake }));
    try {
      await contacts.meet([bob.session.userId], { recheck: true });
      expect(contacts.trust([bob.session.userId]).sendingPaused).toBe(true);
      await contacts.keepPinned(bob.session.userId, fake);
      expect(contacts.trust([bob.session.userId])).toEqual({ changed: [], sendingPaused: false });
      // The server keeps lying: ignored; the chat is sealed to Bob's real key, which opens it.
      await contacts.meet([bob.session.userId], { recheck: true });
      expect(contacts.trust([bob.session.userId]).changed).toEqual([]);
      const { chat, chatKey } = await startChat(alice.api, alice.session, {
        title: 'After',
        memberUsernames: [bob.session.username],
      });
      const forBob = await bob.api.call('getChat', { params: { chatId: chat.chatId } });
      expect(await chatKeyFor(bob.api, bob.session, forBob)).toEqual(chatKey);
    } finally {
      undo();
      undoById();
    }
    expect(contacts.pin(bob.session.userId)).toMatchObject({ verified: true, rejected: [fake] });
  });
});

describe('a server re-pointing a username', () => {
  it('naming another account as a pinned username is refused', async () => {
    const alice = await userBehindLiar('rnalice');
    const bob = await signUpPhone(server, 'rnbob');
    const mallory = await signUpPhone(server, 'rnmallory');
    const contacts = await phoneContacts(alice.api, alice.session);
    await contacts.lookup(bob.session.username);
    const undo = liar.rewriteJson(api.lookupUser, () => ({
      userId: mallory.session.userId,
      username: bob.session.username,
      identityPublicKey: encodePublicKey(mallory.session.identity.publicKey),
      signingPublicKey: encodeSigningPublicKey(mallory.session.signing!.publicKey),
    }));
    try {
      await expect(
        startChat(alice.api, alice.session, { title: 'Not bob', memberUsernames: [bob.session.username] }),
      ).rejects.toThrow(`the server names a different account as "${bob.session.username}"`);
    } finally {
      undo();
    }
    expect(contacts.pin(mallory.session.userId)).toBeNull();
  });
});

describe('a server replaying or swapping contact books', () => {
  it("an older book, or another user's, is refused and the device keeps its pins", async () => {
    const alice = await userBehindLiar('rpalice');
    const bob = await signUpPhone(server, 'rpbob');
    const carol = await signUpPhone(server, 'rpcarol');
    const contacts = await phoneContacts(alice.api, alice.session);
    await contacts.lookup(bob.session.username);
    const old = (await server.client(() => alice.session.tokens.accessToken).call('getContacts', {})).contacts!;
    await contacts.lookup(carol.session.username);
    expect(contacts.replica.version).toBe(old.version + 1);

    // Replay the older envelope as it was, and relabelled as the current version.
    for (const replayed of [old, { ...old, version: contacts.replica.version + 1 }]) {
      const undo = liar.rewriteJson(api.getContacts, () => ({ contacts: replayed }));
      try {
        await expect(contacts.replica.refresh()).rejects.toThrow(/refused/);
      } finally {
        undo();
      }
      expect(Object.keys(contacts.book().contacts)).toHaveLength(2);
    }

    // Another user's book (bob's, under his master key and user id), to a fresh device of alice.
    await (
      await phoneContacts(
        server.client(() => bob.session.tokens.accessToken),
        bob.session,
      )
    ).lookup(carol.session.username);
    const bobs = (await bob.api.call('getContacts', {})).contacts as ContactsRecord;
    forgetPhoneContacts(alice.session);
    const undo = liar.rewriteJson(api.getContacts, () => ({ contacts: bobs }));
    try {
      const fresh = await phoneContacts(alice.api, alice.session);
      expect(fresh.replica.lastRefusal).toMatch(/does not open/);
      expect(fresh.book().contacts).toEqual({});
    } finally {
      undo();
    }
  });
});

describe('safety numbers', () => {
  it('are the same on both sides and change when a key changes', async () => {
    const alice = await signUpPhone(server, 'snalice');
    const bob = await signUpPhone(server, 'snbob');
    const mine = await phoneContacts(alice.api, alice.session);
    const theirs = await phoneContacts(bob.api, bob.session);
    await mine.lookup(bob.session.username);
    await theirs.lookup(alice.session.username);
    const me = (who: typeof alice) => ({
      userId: who.session.userId,
      identityPublicKey: encodePublicKey(who.session.identity.publicKey),
      signingPublicKey: encodeSigningPublicKey(who.session.signing!.publicKey),
    });
    const asPinned = (contacts: typeof mine, userId: string) => ({ userId, ...contacts.pin(userId)! });
    const onAlice = safetyNumber(me(alice), asPinned(mine, bob.session.userId));
    const onBob = safetyNumber(me(bob), asPinned(theirs, alice.session.userId));
    expect(onAlice).toMatch(/^\d{60}$/);
    expect(onAlice).toBe(onBob);
    // After a (acknowledged) key change on alice's side, the numbers no longer match: comparing catches it.
    const fake = forged();
    const undo = liar.rewriteJson(api.lookupUser, (body) => ({ ...(body as object), identityPublicKey: fake }));
    const viaLiar = createApiClient({ baseUrl: liar.url, accessToken: () => alice.session.tokens.accessToken });
    try {
      await new Contacts(viaLiar.call.bind(viaLiar) as ApiCaller, mine.replica, alice.session.userId).lookup(
        bob.session.username,
      );
    } finally {
      undo();
    }
    await mine.acknowledge(bob.session.userId, fake);
    expect(safetyNumber(me(alice), asPinned(mine, bob.session.userId))).not.toBe(onBob);
  });
});
