import { initCrypto, randomId } from '../../common/crypto';
import { sendText, startChat } from '../../mobile-pairing/src/core/chats';
import { dbSnapshot } from './support/db-snapshot';
import { linkDesktopDirectly } from './support/desktop-fixture';
import { raw, signUpPhone } from './support/phone';
import { openSse } from './support/sse-client';
import { payloadOf, readUntil, syncedMessages } from './support/sync-stream';
import { startTestServer, type TestServer } from './support/test-server';

let server: TestServer;
let alice: Awaited<ReturnType<typeof signUpPhone>>;
let bob: Awaited<ReturnType<typeof signUpPhone>>;
let carol: Awaited<ReturnType<typeof signUpPhone>>;
let dave: Awaited<ReturnType<typeof signUpPhone>>;

beforeAll(async () => {
  await initCrypto();
  server = await startTestServer();
  alice = await signUpPhone(server, 'alice');
  bob = await signUpPhone(server, 'bob');
  carol = await signUpPhone(server, 'carol');
  dave = await signUpPhone(server, 'dave');
});
afterAll(() => server.stop());

async function group() {
  const { chat, chatKey } = await startChat(alice.api, alice.session, {
    title: 'Three',
    memberUsernames: [bob.session.username, carol.session.username],
  });
  return { chatId: chat.chatId, chatKey };
}

const mark = (who: typeof bob, chatId: string, messageIds: string[], status: 'delivered' | 'read') =>
  who.api.call('markMessages', { params: { chatId }, body: { messageIds, status } });

const byUser = (list: { userId: string }[] | undefined) => (list ?? []).map((r) => r.userId).sort();

describe('receipts per recipient', () => {
  it("in a group each member's receipt is their own: the sender sees who delivered and who read", async () => {
    const { chatId, chatKey } = await group();
    const m = await sendText(alice.api, alice.session, chatId, chatKey, 'hello both');

    expect((await mark(bob, chatId, [m.messageId], 'read')).updated).toEqual([
      { messageId: m.messageId, status: 'read' },
    ]);
    let seen = (await alice.api.call('listMessages', { params: { chatId }, query: {} })).messages[0]!;
    // Bob reading doesn't make it read for everyone: the summary waits for Carol.
    expect(seen.status).toBe('sent');
    expect(byUser(seen.deliveredTo)).toEqual([bob.session.userId]);
    expect(byUser(seen.readBy)).toEqual([bob.session.userId]);

    // Carol has no receipt: to her it is still unread.
    const carols = (await carol.api.call('listMessages', { params: { chatId }, query: {} })).messages[0]!;
    expect(carols.status).toBe('sent');
    expect(carols.deliveredTo).toBeUndefined();
    expect(carols.readBy).toBeUndefined();
    const bobs = (await bob.api.call('listMessages', { params: { chatId }, query: {} })).messages[0]!;
    expect(bobs.status).toBe('read');

    await mark(carol, chatId, [m.messageId], 'delivered');
    seen = (await alice.api.call('listMessages', { params: { chatId }, query: {} })).messages[0]!;
    expect(seen.status).toBe('delivered');
    expect(byUser(seen.deliveredTo)).toEqual([bob.session.userId, carol.session.userId].sort());
    expect(byUser(seen.readBy)).toEqual([bob.session.userId]);

    await mark(carol, chatId, [m.messageId], 'read');
    seen = (await alice.api.call('listMessages', { params: { chatId }, query: {} })).messages[0]!;
    expect(seen.status).toBe('read');
    expect(byUser(seen.readBy)).toEqual([bob.session.userId, carol.session.userId].sort());
  });

  it('never moves back; a repeat changes nothing and appends nothing', async () => {
    const { chatId, chatKey } = await group();
    const m = await sendText(alice.api, alice.session, chatId, chatKey, 'once');
    await mark(bob, chatId, [m.messageId], 'read');
    const before = dbSnapshot(server.dbFile);
    expect((await mark(bob, chatId, [m.messageId], 'delivered')).updated).toEqual([]);
    expect((await mark(bob, chatId, [m.messageId], 'read')).updated).toEqual([]);
    expect(dbSnapshot(server.dbFile)).toEqual(before);
  });

  it("bad input is refused and stores nothing: unknown, another chat's, your own, a non-member", async () => {
    const { chatId, chatKey } = await group();
    const other = await group();
    const mine = await sendText(alice.api, alice.session, chatId, chatKey, 'mine');
    const elsewhere = await sendText(alice.api, alice.session, other.chatId, other.chatKey, 'elsewhere');
    const fromBob = await sendText(bob.api, bob.session, chatId, chatKey, 'from bob');
    const before = dbSnapshot(server.dbFile);
    const post = (who: typeof bob, ids: string[]) =>
      raw(server, 'POST', `/chats/${chatId}/receipts`, {
        token: who.session.tokens.accessToken,
        body: { messageIds: ids, status: 'read' },
      });
    // One bad id refuses the whole call, the good one included.
    const unknown = await post(carol, [mine.messageId, randomId()]);
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'not_found']);
    const otherChat = await post(carol, [mine.messageId, elsewhere.messageId]);
    expect([otherChat.status, otherChat.body.error.code]).toEqual([404, 'not_found']);
    const own = await post(bob, [mine.messageId, fromBob.messageId]);
    expect([own.status, own.body.error.code]).toEqual([400, 'validation_failed']);
    expect(own.body.error.message).toContain('your own');
    const outsider = await post(dave, [mine.messageId]);
    expect(outsider.status).toBe(404);
    const badStatus = await raw(server, 'POST', `/chats/${chatId}/receipts`, {
      token: carol.session.tokens.accessToken,
      body: { messageIds: [mine.messageId], status: 'sent' },
    });
    expect(badStatus.status).toBe(400);
    expect(dbSnapshot(server.dbFile)).toEqual(before);
  });

  it("live: the sender's devices get who read; another member gets only the summary; a new desktop syncs the same state", async () => {
    const { chatId, chatKey } = await group();
    const m = await sendText(alice.api, alice.session, chatId, chatKey, 'live');
    const aliceStream = await openSse(server.url, 'from=now', {
      authorization: `Bearer ${alice.session.tokens.accessToken}`,
    });
    const carolStream = await openSse(server.url, 'from=now', {
      authorization: `Bearer ${carol.session.tokens.accessToken}`,
    });
    try {
      await mark(bob, chatId, [m.messageId], 'read');
      const first = payloadOf((await readUntil(aliceStream, 'message:status')).at(-1)!, 'message:status');
      expect(first).toMatchObject({ messageId: m.messageId, status: 'sent' });
      expect(byUser(first.readBy)).toEqual([bob.session.userId]);

      await mark(carol, chatId, [m.messageId], 'read');
      const second = payloadOf((await readUntil(aliceStream, 'message:status')).at(-1)!, 'message:status');
      expect(second.status).toBe('read');
      expect(byUser(second.readBy)).toEqual([bob.session.userId, carol.session.userId].sort());
      // Carol's devices: only her own receipt (Bob's alone went to Alice and Bob, not to her).
      const carols = payloadOf((await readUntil(carolStream, 'message:status')).at(-1)!, 'message:status');
      expect(carols).toEqual({ chatId, messageId: m.messageId, status: 'read' });
    } finally {
      aliceStream.close();
      carolStream.close();
    }

    const desktop = await linkDesktopDirectly(server, alice.session.userId);
    const fresh = await openSse(server.url, '', { authorization: `Bearer ${desktop.accessToken}` });
    try {
      const synced = syncedMessages(await readUntil(fresh, 'cache_primed', 20_000)).find(
        (r) => r.messageId === m.messageId,
      )!;
      expect(synced.status).toBe('read');
      expect(byUser(synced.deliveredTo)).toEqual([bob.session.userId, carol.session.userId].sort());
      expect(byUser(synced.readBy)).toEqual([bob.session.userId, carol.session.userId].sort());
    } finally {
      fresh.close();
    }
  });
});
