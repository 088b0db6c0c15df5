import { decryptChatMeta, encryptChatMeta } from '../../common/content';
import { initCrypto, randomId, wrapChatKey, generateChatKey } from '../../common/crypto';
import { chatKeyFor, readMessage, sendText, startChat } from '../../mobile-pairing/src/core/chats';
import { dbSnapshot } from './support/db-snapshot';
import { raw, signUpPhone } from './support/phone';
import { startTestServer, type TestServer } from './support/test-server';

let server: TestServer;
let alice: Awaited<ReturnType<typeof signUpPhone>>;
let bob: Awaited<ReturnType<typeof signUpPhone>>;
let mallory: Awaited<ReturnType<typeof signUpPhone>>;

beforeAll(async () => {
  await initCrypto();
  server = await startTestServer();
  alice = await signUpPhone(server, 'alice');
  bob = await signUpPhone(server, 'bob');
  mallory = await signUpPhone(server, 'mallory');
});
afterAll(() => server.stop());

describe('chats', () => {
  it('alice starts a chat with bob; bob opens the sealed chat key and reads the title', async () => {
    const { chat } = await startChat(alice.api, alice.session, {
      title: 'Lunch plans',
      memberUsernames: [bob.session.username],
    });
    expect(chat.members).toHaveLength(2);
    const bobsView = (await bob.api.call('listChats', {})).chats.find((c) => c.chatId === chat.chatId);
    expect(bobsView?.sealedChatKey).toMatch(/^v1\./);
    expect(bobsView?.wrappedChatKey).toBeNull();
    const key = await chatKeyFor(bob.api, bob.session, bobsView!);
    expect(decryptChatMeta(key, chat.chatId, chat.encryptedMeta).title).toBe('Lunch plans');
    const after = await bob.api.call('getChat', { params: { chatId: chat.chatId } });
    expect(after.wrappedChatKey).toMatch(/^v1\./);
    expect(after.sealedChatKey).toBeNull();
  });

  it("another user's chat id answers 404, as if it did not exist", async () => {
    const { chat } = await startChat(alice.api, alice.session, { title: 'Private', memberUsernames: [] });
    const before = dbSnapshot(server.dbFile);
    for (const res of [
      await raw(server, 'GET', `/chats/${chat.chatId}`, { token: mallory.session.tokens.accessToken }),
      await raw(server, 'GET', `/chats/${chat.chatId}/messages`, { token: mallory.session.tokens.accessToken }),
      await raw(server, 'POST', `/chats/${chat.chatId}/messages`, {
        token: mallory.session.tokens.accessToken,
        body: { messageId: randomId(), clientKey: 'k1', ciphertext: `v1.${'A'.repeat(32)}.${'B'.repeat(40)}` },
      }),
      await raw(server, 'PUT', `/chats/${chat.chatId}/draft`, {
        token: mallory.session.tokens.accessToken,
        body: { version: 1, ciphertext: null },
      }),
      await raw(server, 'PATCH', `/chats/${chat.chatId}/me`, {
        token: mallory.session.tokens.accessToken,
        body: { pinned: true },
      }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    expect(dbSnapshot(server.dbFile)).toEqual(before);
  });

  it('a chat id that exists already is refused with 409', async () => {
    const { chat } = await startChat(alice.api, alice.session, { title: 'One', memberUsernames: [] });
    const key = generateChatKey();
    const before = dbSnapshot(server.dbFile);
    const res = await raw(server, 'POST', '/chats', {
      token: bob.session.tokens.accessToken,
      body: {
        chatId: chat.chatId,
        encryptedMeta: encryptChatMeta(key, chat.chatId, { title: 'hijack' }),
        members: [],
        myWrappedChatKey: wrapChatKey(key, bob.session.masterKey, chat.chatId, bob.session.userId),
      },
    });
    expect(res.status).toBe(409);
    expect(dbSnapshot(server.dbFile)).toEqual(before);
  });

  it('bad chat bodies are refused with 400/404 and store nothing', async () => {
    const key = generateChatKey();
    const chatId = randomId();
    const good = {
      chatId,
      encryptedMeta: encryptChatMeta(key, chatId, { title: 't' }),
      members: [] as unknown[],
      myWrappedChatKey: wrapChatKey(key, alice.session.masterKey, chatId, alice.session.userId),
    };
    const before = dbSnapshot(server.dbFile);
    const cases: Array<[unknown, number]> = [
      [{ ...good, chatId: 'not-a-uuid' }, 400],
      [{ ...good, encryptedMeta: 'Lunch plans' }, 400],
      [{ ...good, members: [{ userId: alice.session.userId, wrappedChatKey: good.myWrappedChatKey }] }, 400],
      [{ ...good, members: [{ userId: randomId(), sealedChatKey: `v1.${'A'.repeat(80)}` }] }, 404],
      [{ ...good, members: 'everyone' }, 400],
    ];
    for (const [body, status] of cases) {
      const res = await raw(server, 'POST', '/chats', { token: alice.session.tokens.accessToken, body });
      expect({ status: res.status, body }).toEqual({ status, body });
    }
    expect(dbSnapshot(server.dbFile)).toEqual(before);
  });

  it('metadata edits are versioned: a stale version is refused and the newer title stays', async () => {
    const { chat, chatKey } = await startChat(alice.api, alice.session, { title: 'v1 title', memberUsernames: [] });
    await alice.api.call('updateChatMeta', {
      params: { chatId: chat.chatId },
      body: { encryptedMeta: encryptChatMeta(chatKey, chat.chatId, { title: 'v2 title' }), metaVersion: 2 },
    });
    await expect(
      alice.api.call('updateChatMeta', {
        params: { chatId: chat.chatId },
        body: { encryptedMeta: encryptChatMeta(chatKey, chat.chatId, { title: 'stale' }), metaVersion: 2 },
      }),
    ).rejects.toMatchObject({ status: 409, code: 'stale_version' });
    const now = await alice.api.call('getChat', { params: { chatId: chat.chatId } });
    expect(decryptChatMeta(chatKey, chat.chatId, now.encryptedMeta).title).toBe('v2 title');
  });

  it('opening and pinning are per member', async () => {
    const { chat } = await startChat(alice.api, alice.session, {
      title: 'Pins',
      memberUsernames: [bob.session.username],
    });
    await alice.api.call('updateMyChatState', {
      params: { chatId: chat.chatId },
      body: { opened: true, pinned: true },
    });
    const mine = await alice.api.call('getChat', { params: { chatId: chat.chatId } });
    const bobs = await bob.api.call('getChat', { params: { chatId: chat.chatId } });
    expect(mine.pinned).toBe(true);
    expect(mine.lastOpenedAt).not.toBeNull();
    expect(bobs.pinned).toBe(false);
    expect(bobs.lastOpenedAt).toBeNull();
  });
});

describe('messages', () => {
  it('alice sends, bob reads; chats are listed by last update', async () => {
    const { chat, chatKey } = await startChat(alice.api, alice.session, {
      title: 'Talk',
      memberUsernames: [bob.session.username],
    });
    const sent = await sendText(alice.api, alice.session, chat.chatId, chatKey, 'hi bob');
    expect(sent.status).toBe('sent');
    const bobsChat = await bob.api.call('getChat', { params: { chatId: chat.chatId } });
    const bobKey = await chatKeyFor(bob.api, bob.session, bobsChat);
    const page = await bob.api.call('listMessages', { params: { chatId: chat.chatId }, query: {} });
    expect(page.messages.map((m) => readMessage(m, bobKey).text)).toEqual(['hi bob']);
    const list = await bob.api.call('listChats', {});
    expect(list.chats[0]?.chatId).toBe(chat.chatId);
    expect(list.chats[0]?.messageCount).toBe(1);
  });

  it('sending twice with the same client key stores one message (200 on the replay)', async () => {
    const { chat } = await startChat(alice.api, alice.session, { title: 'Idem', memberUsernames: [] });
    const body = {
      messageId: randomId(),
      clientKey: '1700000000000:1:dev',
      ciphertext: `v1.${'A'.repeat(32)}.${'B'.repeat(40)}`,
    };
    const first = await raw(server, 'POST', `/chats/${chat.chatId}/messages`, {
      token: alice.session.tokens.accessToken,
      body,
    });
    const second = await raw(server, 'POST', `/chats/${chat.chatId}/messages`, {
      token: alice.session.tokens.accessToken,
      body,
    });
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.body).toEqual(first.body);
    const page = await alice.api.call('listMessages', { params: { chatId: chat.chatId }, query: {} });
    expect(page.messages).toHaveLength(1);
    // The chat row's totals (kept by the send transaction, read by the sync manifest) count it once.
    expect((await alice.api.call('getChat', { params: { chatId: chat.chatId } })).messageCount).toBe(1);
    const reused = await raw(server, 'POST', `/chats/${chat.chatId}/messages`, {
      token: alice.session.tokens.accessToken,
      body: { ...body, messageId: randomId() },
    });
    expect(reused.status).toBe(409);
  });

  it('pages through a long chat, oldest to newest within a page', async () => {
    const { chat, chatKey } = await startChat(alice.api, alice.session, { title: 'Long', memberUsernames: [] });
    for (let i = 0; i < 7; i++) await sendText(alice.api, alice.session, chat.chatId, chatKey, `m${i}`);
    const texts: string[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await alice.api.call('listMessages', {
        params: { chatId: chat.chatId },
        query: { limit: 3, ...(before ? { before } : {}) },
      });
      texts.unshift(...page.messages.map((m) => readMessage(m, chatKey).text));
      if (!page.nextBefore) break;
      before = page.nextBefore;
    }
    expect(texts).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    const tooMany = await raw(server, 'GET', `/chats/${chat.chatId}/messages?limit=1000`, {
      token: alice.session.tokens.accessToken,
    });
    expect(tooMany.status).toBe(400);
  });

  it('receipts move forward only, and a sender cannot mark its own messages', async () => {
    const { chat, chatKey } = await startChat(alice.api, alice.session, {
      title: 'Ticks',
      memberUsernames: [bob.session.username],
    });
    const m = await sendText(alice.api, alice.session, chat.chatId, chatKey, 'tick');
    const own = await raw(server, 'POST', `/chats/${chat.chatId}/receipts`, {
      token: alice.session.tokens.accessToken,
      body: { messageIds: [m.messageId], status: 'read' },
    });
    expect(own.status).toBe(400);
    const read = await bob.api.call('markMessages', {
      params: { chatId: chat.chatId },
      body: { messageIds: [m.messageId], status: 'read' },
    });
    expect(read.updated).toEqual([{ messageId: m.messageId, status: 'read' }]);
    const back = await bob.api.call('markMessages', {
      params: { chatId: chat.chatId },
      body: { messageIds: [m.messageId], status: 'delivered' },
    });
    expect(back.updated).toEqual([]);
    const page = await alice.api.call('listMessages', { params: { chatId: chat.chatId }, query: {} });
    expect(page.messages[0]?.status).toBe('read');
    const unknown = await raw(server, 'POST', `/chats/${chat.chatId}/receipts`, {
      token: bob.session.tokens.accessToken,
      body: { messageIds: [randomId()], status: 'read' },
    });
    expect(unknown.status).toBe(404);
  });
});

describe('drafts', () => {
  it('a newer version replaces the draft; a stale one is refused and the newer stays; null deletes', async () => {
    const { chat } = await startChat(alice.api, alice.session, { title: 'Draft', memberUsernames: [] });
    const env = (c: string) => `v1.${'A'.repeat(32)}.${c.repeat(40)}`;
    await alice.api.call('putDraft', { params: { chatId: chat.chatId }, body: { version: 1, ciphertext: env('B') } });
    await alice.api.call('putDraft', { params: { chatId: chat.chatId }, body: { version: 3, ciphertext: env('C') } });
    await expect(
      alice.api.call('putDraft', { params: { chatId: chat.chatId }, body: { version: 2, ciphertext: env('D') } }),
    ).rejects.toMatchObject({ status: 409, code: 'stale_version' });
    expect((await alice.api.call('getDraft', { params: { chatId: chat.chatId } }))!.ciphertext).toBe(env('C'));
    await alice.api.call('putDraft', { params: { chatId: chat.chatId }, body: { version: 4, ciphertext: null } });
    const deleted = await alice.api.call('getDraft', { params: { chatId: chat.chatId } });
    expect(deleted).toMatchObject({ ciphertext: null, version: 4 });
  });
});
