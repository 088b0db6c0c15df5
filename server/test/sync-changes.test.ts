import { type ChatKey, initCrypto } from '../../common/crypto';
import { sendText, startChat } from '../../mobile-pairing/src/core/chats';
import { linkDesktopDirectly } from './support/desktop-fixture';
import { raw, signUpPhone } from './support/phone';
import { openSse, type SseEvent } from './support/sse-client';
import { bearer, expectOnContract } from './support/sync-stream';
import { startTestServer, type TestServer } from './support/test-server';

// GET /sync/changes: the live stream's events over plain requests (the fallback of a desktop whose stream
// can't get through). It must page exactly what the stream sends after the same position.

let server: TestServer;
let phone: Awaited<ReturnType<typeof signUpPhone>>;
let chat: { chatId: string; chatKey: ChatKey };
beforeAll(async () => {
  await initCrypto();
  server = await startTestServer();
  phone = await signUpPhone(server, 'poller');
  const started = await startChat(phone.api, phone.session, { title: 'Polled', memberUsernames: [] });
  chat = { chatId: started.chat.chatId, chatKey: started.chatKey };
});
afterAll(() => server.stop());

const say = (text: string) => sendText(phone.api, phone.session, chat.chatId, chat.chatKey, text);
const lastSeq = async () =>
  (await server.server.deps.db.user.findUniqueOrThrow({ where: { id: phone.session.userId } })).lastSeq;

interface Page {
  events: Array<{ id: string; name: string; data: unknown }>;
  position: number;
  latestSeq: number;
}

describe('GET /sync/changes', () => {
  it('pages the same events, ids and payloads the stream sends after that position, and stores the cursor', async () => {
    const desktop = await linkDesktopDirectly(server, phone.session.userId);
    const from = await lastSeq();
    const sent = [await say('one'), await say('two'), await say('three'), await say('four'), await say('five')];
    await phone.api.call('updateMyChatState', { params: { chatId: chat.chatId }, body: { pinned: true } });
    const head = await lastSeq();

    const polled: SseEvent[] = [];
    let after = from;
    let pages = 0;
    for (;;) {
      const page = await desktop.api.call('syncChanges', { query: { after, limit: 2 } });
      pages++;
      polled.push(...page.events.map((e) => ({ event: e.name, data: e.data, id: e.id }) as SseEvent));
      expect(page.latestSeq).toBe(head);
      expect(page.position).toBeGreaterThan(after);
      after = page.position;
      if (after === head) break;
    }
    expect(pages).toBe(Math.ceil((head - from) / 2));
    expectOnContract(polled);
    const polledCursor = await server.server.deps.db.device.findUniqueOrThrow({ where: { id: desktop.deviceId } });
    expect(polledCursor.syncCursor).toBe(head);

    const stream = await openSse(server.url, '', { ...bearer(desktop.accessToken), 'last-event-id': String(from) });
    await stream.next(); // connected
    const streamed: SseEvent[] = [];
    for (let i = 0; i < polled.length; i++) streamed.push(await stream.next());
    stream.close();
    expect(polled).toEqual(streamed);
    expect(
      polled.filter((e) => e.event === 'message:new').map((e) => (e.data as { message: unknown }).message),
    ).toEqual(sent);
  });

  it('answers an empty page at the head, and refuses bad positions with a clear 4xx that changes nothing', async () => {
    const desktop = await linkDesktopDirectly(server, phone.session.userId);
    const head = await lastSeq();
    const empty = (await raw(server, 'GET', `/sync/changes?after=${head}`, { token: desktop.accessToken })) as {
      status: number;
      body: Page;
    };
    expect(empty).toEqual({ status: 200, body: { events: [], position: head, latestSeq: head } });

    const ahead = await raw(server, 'GET', `/sync/changes?after=${head + 5}`, { token: desktop.accessToken });
    expect(ahead.status).toBe(409);
    expect(ahead.body.error.code).toBe('conflict');
    expect(ahead.body.error.message).toMatch(/ahead of this account's latest change/);
    for (const query of ['after=-1', 'after=x', '', `after=0&limit=501`, 'after=0&extra=1']) {
      const refused = await raw(server, 'GET', `/sync/changes?${query}`, { token: desktop.accessToken });
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('validation_failed');
    }
    expect((await raw(server, 'GET', '/sync/changes?after=0')).status).toBe(401);
    // The empty page took the device to the head; the refusals left it there.
    const device = await server.server.deps.db.device.findUniqueOrThrow({ where: { id: desktop.deviceId } });
    expect(device.syncCursor).toBe(head);
  });

  it("another account's positions show only that account's own changes (positions are per user)", async () => {
    const other = await signUpPhone(server, 'stranger');
    const strangerDesktop = await linkDesktopDirectly(server, other.session.userId);
    await say('not for the stranger');
    const page = await strangerDesktop.api.call('syncChanges', { query: { after: 0 } });
    expect(JSON.stringify(page.events)).not.toContain(chat.chatId);
    expect(page.latestSeq).toBeLessThan(await lastSeq());
  });

  it('refuses a position older than the change log keeps with 410 (the desktop starts over), and pages from the oldest kept', async () => {
    const { db } = server.server.deps;
    const owner = await signUpPhone(server, 'pruned');
    const desktop = await linkDesktopDirectly(server, owner.session.userId);
    const own = await startChat(owner.api, owner.session, { title: 'Pruned', memberUsernames: [] });
    for (const text of ['a', 'b', 'c']) await sendText(owner.api, owner.session, own.chat.chatId, own.chatKey, text);
    const head = (await db.user.findUniqueOrThrow({ where: { id: owner.session.userId } })).lastSeq;
    // What a prune leaves: the oldest changes gone (a prefix), the newest two kept.
    await db.changeLog.deleteMany({ where: { userId: owner.session.userId, seq: { lte: head - 2 } } });

    const expired = await raw(server, 'GET', '/sync/changes?after=0', { token: desktop.accessToken });
    expect(expired.status).toBe(410);
    expect(expired.body.error.message).toMatch(/change log no longer reaches position 0/);
    const kept = await desktop.api.call('syncChanges', { query: { after: head - 2 } });
    expect(kept.events.map((e) => e.id)).toEqual([String(head - 1), String(head)]);
  });
});
