import { api, createApiClient } from '../common/contract';
import { encodePublicKey, generateBoxKeyPair, initCrypto } from '../common/crypto';
import { KeyChangeUnacknowledgedError } from '../common/trust/contact-book';
import { chatKeyFor, startChat } from '../mobile-pairing/src/core/chats';
import { phoneContacts } from '../mobile-pairing/src/core/contacts';
import { answerKeyChange, lookUpForNewChat } from '../mobile-pairing/src/core/people-picker';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { LyingServer } from './support/lying-server';

/**
 * New chat's picker (docs/GROUPS.md "Picking people"), the shared core both apps use
 * (common/trust/people-picker.ts), through a LyingServer in front of a real server on 127.0.0.1: each
 * typed person's state comes from the pins, a forged lookup shows "changed" and never re-pins, and no chat
 * is started with that person until the user answered the change.
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

async function userBehindLiar(name: string) {
  const user = await signUpPhone(server, name);
  return { ...user, api: createApiClient({ baseUrl: liar.url, accessToken: () => user.session.tokens.accessToken }) };
}

const states = (people: readonly { username: string; state: string; wasVerified: boolean }[]) =>
  people.map(({ username, state, wasVerified }) => ({ username, state, wasVerified }));

describe('the New chat picker', () => {
  it('shows each person’s state from the pins: verified, not verified, new (not pinned by typing), unknown, not a username', async () => {
    const alice = await userBehindLiar('ppalice');
    const bob = await signUpPhone(server, 'ppbob');
    const carol = await signUpPhone(server, 'ppcarol');
    const dave = await signUpPhone(server, 'ppdave');
    await startChat(alice.api, alice.session, {
      title: 'Met',
      memberUsernames: [bob.session.username, carol.session.username],
    });
    const contacts = await phoneContacts(alice.api, alice.session);
    await contacts.setVerified(bob.session.userId, encodePublicKey(bob.session.identity.publicKey), true);

    const people = await lookUpForNewChat(
      alice.api,
      alice.session,
      `@${bob.session.username}, ${carol.session.username} ${dave.session.username} nobody_here_at_all x!`,
    );
    expect(states(people)).toEqual([
      { username: bob.session.username, state: 'verified', wasVerified: false },
      { username: carol.session.username, state: 'unverified', wasVerified: false },
      { username: dave.session.username, state: 'new', wasVerified: false },
      { username: 'nobody_here_at_all', state: 'not_found', wasVerified: false },
      { username: 'x!', state: 'invalid', wasVerified: false },
    ]);
    expect(people[2]!.userId).toBe(dave.session.userId);
    // Typing a name pins no one: dave's keys are pinned when a chat with him starts.
    expect(contacts.pin(dave.session.userId)).toBeNull();
  });

  it('a lying lookup (another identity key for a verified contact) shows "changed since you verified", keeps the pin, and starts no chat until answered', async () => {
    const alice = await userBehindLiar('pplalice');
    const bob = await signUpPhone(server, 'pplbob');
    await startChat(alice.api, alice.session, { title: 'First', memberUsernames: [bob.session.username] });
    const contacts = await phoneContacts(alice.api, alice.session);
    const real = encodePublicKey(bob.session.identity.publicKey);
    await contacts.setVerified(bob.session.userId, real, true);

    const fake = encodePublicKey(generateBoxKeyPair().publicKey);
    const undo = liar.rewriteJson(api.lookupUser, (body) => ({ ...(body as object), identityPublicKey: fake }));
    try {
      const [shown] = await lookUpForNewChat(alice.api, alice.session, bob.session.username);
      expect(shown).toMatchObject({ userId: bob.session.userId, state: 'changed', wasVerified: true });
      // Never silently re-pinned: the pin and its verified mark stay; the claim waits as a pending change.
      expect(contacts.pin(bob.session.userId)).toMatchObject({
        identityPublicKey: real,
        verified: true,
        pendingChange: expect.objectContaining({ identityPublicKey: fake }),
      });
      const creates = liar.requestsTo(api.createChat).length;
      await expect(
        startChat(alice.api, alice.session, { title: 'Second', memberUsernames: [bob.session.username] }),
      ).rejects.toBeInstanceOf(KeyChangeUnacknowledgedError);
      expect(liar.requestsTo(api.createChat)).toHaveLength(creates);

      // The user keeps the old keys: the claim is ignored from then on, and the chat is sealed to bob's real key.
      await answerKeyChange(alice.api, alice.session, bob.session.userId, false);
      const [after] = await lookUpForNewChat(alice.api, alice.session, bob.session.username);
      expect(after).toMatchObject({ state: 'verified' });
      const { chat, chatKey } = await startChat(alice.api, alice.session, {
        title: 'Third',
        memberUsernames: [bob.session.username],
      });
      const bobsCopy = await bob.api.call('getChat', { params: { chatId: chat.chatId } });
      expect(await chatKeyFor(bob.api, bob.session, bobsCopy)).toEqual(chatKey);
    } finally {
      undo();
    }
  });

  it('accepting the new safety number in the picker moves the pin to the keys shown, unverified', async () => {
    const alice = await userBehindLiar('ppaalice');
    const bob = await signUpPhone(server, 'ppabob');
    await startChat(alice.api, alice.session, { title: 'First', memberUsernames: [bob.session.username] });
    const fake = encodePublicKey(generateBoxKeyPair().publicKey);
    const undo = liar.rewriteJson(api.lookupUser, (body) => ({ ...(body as object), identityPublicKey: fake }));
    try {
      const [shown] = await lookUpForNewChat(alice.api, alice.session, bob.session.username);
      expect(shown).toMatchObject({ state: 'changed', wasVerified: false });
      await answerKeyChange(alice.api, alice.session, bob.session.userId, true);
      const [after] = await lookUpForNewChat(alice.api, alice.session, bob.session.username);
      expect(after).toMatchObject({ state: 'unverified' });
      const contacts = await phoneContacts(alice.api, alice.session);
      expect(contacts.pin(bob.session.userId)).toMatchObject({
        identityPublicKey: fake,
        verified: false,
        pendingChange: null,
      });
    } finally {
      undo();
    }
  });
});
