import Database from 'better-sqlite3';
import { ApiError, type ChatSummary } from '../../common/contract';
import { decryptMessageBody } from '../../common/content';
import { initCrypto } from '../../common/crypto';
import { keyCommitment, signEpoch, statementHash } from '../../common/trust/chat-epoch';
import {
  changeMembership,
  MembershipRefusedError,
  openChat,
  readMeta,
  renameChat,
} from '../../common/trust/group-actions';
import { EpochChainError } from '../../common/trust/chat-epoch';
import { chatKeysFor, keysForSending, readMessage, sendText, startChat } from '../../mobile-pairing/src/core/chats';
import { phoneContacts } from '../../mobile-pairing/src/core/contacts';
import { dbSnapshot } from './support/db-snapshot';
import { raw, signUpPhone } from './support/phone';
import { startTestServer, type TestServer } from './support/test-server';

type Phone = Awaited<ReturnType<typeof signUpPhone>>;

/**
 * Groups and their keys (docs/GROUPS.md) across three and more accounts, with every member's real keys:
 * start, rename, add, remove, leave, the key version each step makes, and what each member can open.
 */
let server: TestServer;
let alice: Phone;
let bob: Phone;
let carol: Phone;
let dave: Phone;
let mallory: Phone;

const caller = (p: Phone) => (name: Parameters<Phone['api']['call']>[0], input: never) => p.api.call(name, input);
const getChat = (p: Phone, chatId: string) => p.api.call('getChat', { params: { chatId } });
const contactsOf = (p: Phone) => phoneContacts(p.api, p.session);

async function change(p: Phone, chat: ChatSummary, action: 'add' | 'remove' | 'rotate', subjects: string[] = []) {
  return changeMembership(caller(p) as never, p.session, await contactsOf(p), chat, { action, subjects });
}

async function expectApiError(promise: Promise<unknown>, status: number, code: string) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  expect((error as ApiError).status).toBe(status);
  expect((error as ApiError).code).toBe(code);
}

beforeAll(async () => {
  await initCrypto();
  server = await startTestServer();
  alice = await signUpPhone(server, 'alice');
  bob = await signUpPhone(server, 'bob');
  carol = await signUpPhone(server, 'carol');
  dave = await signUpPhone(server, 'dave');
  mallory = await signUpPhone(server, 'mallory');
});
afterAll(() => server.stop());

describe('groups', () => {
  let chatId: string;

  it('alice starts a named group with bob and carol: version 1, founded by her signed statement', async () => {
    const { chat } = await startChat(alice.api, alice.session, {
      title: 'Climbing trip',
      memberUsernames: [bob.session.username, carol.session.username],
    });
    chatId = chat.chatId;
    expect(chat.keyVersion).toBe(1);
    expect(chat.members.map((m) => m.userId).sort()).toEqual(
      [alice.session.userId, bob.session.userId, carol.session.userId].sort(),
    );
    for (const member of [bob, carol]) {
      const opened = await openChat(
        caller(member) as never,
        member.session,
        await contactsOf(member),
        await getChat(member, chatId),
      );
      expect(opened.membership.keyVersion).toBe(1);
      expect(opened.membership.unverified).toEqual([]);
      expect(readMeta(await getChat(member, chatId), opened.keys).title).toBe('Climbing trip');
    }
  });

  it('removing carol makes version 2, sealed only to alice and bob; carol reads the past with her keys, nothing after', async () => {
    const before = await sendText(
      alice.api,
      alice.session,
      chatId,
      await chatKeysFor(alice.api, alice.session, await getChat(alice, chatId)),
      'before the change',
    );
    const carolKeys = await chatKeysFor(carol.api, carol.session, await getChat(carol, chatId));

    const { chat, keys } = await change(alice, await getChat(alice, chatId), 'remove', [carol.session.userId]);
    expect(chat.keyVersion).toBe(2);
    expect(chat.members.map((m) => m.userId)).not.toContain(carol.session.userId);
    const after = await sendText(alice.api, alice.session, chatId, keys, 'after the change');
    expect(after.keyVersion).toBe(2);

    // Bob, who stayed, reads both; his copy of version 2 opens and matches the signed commitment.
    const bobKeys = await chatKeysFor(bob.api, bob.session, await getChat(bob, chatId));
    expect([...bobKeys.byVersion.keys()].sort()).toEqual([1, 2]);
    const page = await bob.api.call('listMessages', { params: { chatId }, query: {} });
    expect(page.messages.map((m) => readMessage(m, bobKeys).text)).toEqual(['before the change', 'after the change']);

    // Carol: the server refuses her, and her real keys open the old message but not the new one.
    await expectApiError(getChat(carol, chatId), 404, 'not_found');
    expect(readMessage(before, carolKeys).text).toBe('before the change');
    for (const key of carolKeys.byVersion.values()) {
      expect(() => decryptMessageBody(key, chatId, after.messageId, after.ciphertext, 2)).toThrow();
    }
    const db = new Database(server.dbFile, { readonly: true });
    try {
      expect(
        db
          .prepare('SELECT keyVersion FROM "ChatKeyCopy" WHERE chatId = ? AND userId = ?')
          .all(chatId, carol.session.userId),
      ).toEqual([]);
      expect(
        (
          db.prepare('SELECT userId FROM "ChatKeyCopy" WHERE chatId = ? AND keyVersion = 2').all(chatId) as {
            userId: string;
          }[]
        )
          .map((r) => r.userId)
          .sort(),
      ).toEqual([alice.session.userId, bob.session.userId].sort());
    } finally {
      db.close();
    }
  });

  it('refuses bad changes with a clear 4xx and changes nothing', async () => {
    const chat = await getChat(alice, chatId);
    const snapshot = dbSnapshot(server.dbFile);
    // Removing someone who isn't a member.
    await expect(change(alice, chat, 'remove', [mallory.session.userId])).rejects.toBeInstanceOf(
      MembershipRefusedError,
    );
    // The same request made by hand reaches the server: 400 with a sentence.
    const keys = await chatKeysFor(alice.api, alice.session, chat);
    const epochs = (await alice.api.call('listEpochs', { params: { chatId } })).epochs;
    const forged = signEpoch(alice.session.signing!, {
      v: 1,
      chatId,
      keyVersion: 3,
      action: 'remove',
      subjects: [mallory.session.userId],
      members: [alice.session.userId, bob.session.userId].sort(),
      actorUserId: alice.session.userId,
      keyCommitment: keyCommitment(keys.byVersion.get(2)!, chatId, 3),
      previous: statementHash(epochs[epochs.length - 1]!.statement),
    });
    const body = {
      epoch: { statement: forged.statement, signature: forged.signature },
      myWrappedChatKey: chat.wrappedChatKey!,
      members: [],
      encryptedMeta: chat.encryptedMeta,
      metaVersion: chat.metaVersion + 1,
    };
    const res = await raw(server, 'POST', `/chats/${chatId}/epochs`, { token: alice.session.tokens.accessToken, body });
    expect(res.status).toBe(400);
    expect((res.body as { error: { message: string } }).error.message).toMatch(/is not a member of this chat/);
    // A non-member acting: 404, like a chat that doesn't exist.
    const asMallory = await raw(server, 'POST', `/chats/${chatId}/epochs`, {
      token: mallory.session.tokens.accessToken,
      body,
    });
    expect(asMallory.status).toBe(404);
    expect(
      (await raw(server, 'POST', `/chats/${chatId}/leave`, { token: mallory.session.tokens.accessToken })).status,
    ).toBe(404);
    // A stale key version: a message or a title written under version 1 after the change to 2.
    await expectApiError(
      sendText(alice.api, alice.session, chatId, keys.byVersion.get(1)!, 'stale'),
      409,
      'stale_version',
    );
    const staleRename = await raw(server, 'PUT', `/chats/${chatId}/meta`, {
      token: alice.session.tokens.accessToken,
      body: { encryptedMeta: chat.encryptedMeta, metaVersion: chat.metaVersion + 1, keyVersion: 1 },
    });
    expect(staleRename.status).toBe(409);
    // A statement signed by someone else than the caller's account: refused.
    const wrongSigner = signEpoch(mallory.session.signing!, JSON.parse(forged.statement));
    const res2 = await raw(server, 'POST', `/chats/${chatId}/epochs`, {
      token: alice.session.tokens.accessToken,
      body: { ...body, epoch: { statement: wrongSigner.statement, signature: wrongSigner.signature } },
    });
    expect(res2.status).toBe(400);
    expect(dbSnapshot(server.dbFile)).toEqual(snapshot);
  });

  it('rename: under the current key version, read by every member', async () => {
    const chat = await getChat(alice, chatId);
    const keys = await chatKeysFor(alice.api, alice.session, chat);
    await renameChat(caller(alice) as never, chat, keys, 'Climbing trip (Sat)');
    const bobsView = await getChat(bob, chatId);
    expect(readMeta(bobsView, await chatKeysFor(bob.api, bob.session, bobsView)).title).toBe('Climbing trip (Sat)');
  });

  it('adding dave makes version 3: he reads from there on, never what came before', async () => {
    const { chat } = await change(alice, await getChat(alice, chatId), 'add', [dave.session.userId]);
    expect(chat.keyVersion).toBe(3);
    const daveView = await getChat(dave, chatId);
    const daveKeys = await chatKeysFor(dave.api, dave.session, daveView);
    expect([...daveKeys.byVersion.keys()]).toEqual([3]);
    expect(readMeta(daveView, daveKeys).title).toBe('Climbing trip (Sat)');
    const bobSends = await keysForSending(bob.api, bob.session, await getChat(bob, chatId));
    await sendText(bob.api, bob.session, chatId, bobSends.keys, 'welcome dave');
    const page = await dave.api.call('listMessages', { params: { chatId }, query: {} });
    const readable = page.messages.flatMap((m) => {
      try {
        return [readMessage(m, daveKeys).text];
      } catch {
        return [];
      }
    });
    expect(readable).toEqual(['welcome dave']);
    expect(page.messages.length).toBe(3);
  });

  it('bob leaves: nobody writes under a key he holds; the next sender rotates to version 4 first', async () => {
    const bobKeys = await chatKeysFor(bob.api, bob.session, await getChat(bob, chatId));
    await bob.api.call('leaveChat', { params: { chatId } });
    await expectApiError(getChat(bob, chatId), 404, 'not_found');
    const chat = await getChat(alice, chatId);
    expect(chat.rotationDue).toBe(true);
    // Writing under version 3 now is refused…
    const old = await chatKeysFor(alice.api, alice.session, chat);
    await expectApiError(sendText(alice.api, alice.session, chatId, old, 'too soon'), 409, 'stale_version');
    // …so the app rotates first (the leaver named as the rotation's subject), then writes.
    const ready = await keysForSending(dave.api, dave.session, await getChat(dave, chatId));
    expect(ready.keys.current).toBe(4);
    const sent = await sendText(dave.api, dave.session, chatId, ready.keys, 'just us now');
    for (const key of bobKeys.byVersion.values())
      expect(() => decryptMessageBody(key, chatId, sent.messageId, sent.ciphertext, 4)).toThrow();
    const epochs = (await alice.api.call('listEpochs', { params: { chatId } })).epochs;
    expect(JSON.parse(epochs[3]!.statement)).toMatchObject({ action: 'rotate', subjects: [bob.session.userId] });
    const aliceKeys = await chatKeysFor(alice.api, alice.session, await getChat(alice, chatId));
    expect(readMessage(sent, aliceKeys).text).toBe('just us now');
  });

  it('a member the server adds on its own is shown as unverified and never sealed to', async () => {
    const db = new Database(server.dbFile);
    try {
      db.prepare(`INSERT INTO "ChatMember" (chatId, userId, role) VALUES (?, ?, 'member')`).run(
        chatId,
        mallory.session.userId,
      );
    } finally {
      db.close();
    }
    const chat = await getChat(alice, chatId);
    const opened = await openChat(caller(alice) as never, alice.session, await contactsOf(alice), chat);
    expect(opened.membership.unverified).toEqual([mallory.session.userId]);
    await expect(change(alice, chat, 'add', [carol.session.userId])).rejects.toThrow(/no signed change added/);
  });

  it('a statement the server forges (signed by someone who was never a member) breaks the chain', async () => {
    const { chat } = await startChat(alice.api, alice.session, {
      title: 'Pair',
      memberUsernames: [bob.session.username],
    });
    const db = new Database(server.dbFile);
    try {
      const [first] = db.prepare('SELECT statement FROM "ChatEpoch" WHERE chatId = ?').all(chat.chatId) as {
        statement: string;
      }[];
      const forged = signEpoch(mallory.session.signing!, {
        v: 1,
        chatId: chat.chatId,
        keyVersion: 2,
        action: 'add',
        subjects: [mallory.session.userId],
        members: [alice.session.userId, bob.session.userId, mallory.session.userId].sort(),
        actorUserId: mallory.session.userId,
        keyCommitment: 'A'.repeat(43),
        previous: statementHash(first!.statement),
      });
      db.prepare(
        `INSERT INTO "ChatEpoch" (chatId, keyVersion, actorUserId, statement, signature) VALUES (?, 2, ?, ?, ?)`,
      ).run(chat.chatId, mallory.session.userId, forged.statement, forged.signature);
      db.prepare(`UPDATE "Chat" SET keyVersion = 2 WHERE id = ?`).run(chat.chatId);
    } finally {
      db.close();
    }
    await expect(
      openChat(caller(bob) as never, bob.session, await contactsOf(bob), await getChat(bob, chat.chatId)),
    ).rejects.toBeInstanceOf(EpochChainError);
  });

  it('the last member out deletes the chat', async () => {
    const { chat } = await startChat(alice.api, alice.session, { title: 'Alone', memberUsernames: [] });
    await alice.api.call('leaveChat', { params: { chatId: chat.chatId } });
    const db = new Database(server.dbFile, { readonly: true });
    try {
      expect(db.prepare('SELECT id FROM "Chat" WHERE id = ?').get(chat.chatId)).toBeUndefined();
    } finally {
      db.close();
    }
  });
});
