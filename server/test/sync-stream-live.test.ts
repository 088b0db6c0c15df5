import { type ChatKey, initCrypto } from '../../common/crypto';
import { sendText, startChat } from '../../mobile-pairing/src/core/chats';
import { linkDesktopDirectly } from './support/desktop-fixture';
import { seedHistory } from './support/history-seed';
import { signUpPhone } from './support/phone';
import { openSse, type SseEvent, tryOpenSse } from './support/sse-client';
import { bearer, expectOnContract, payloadOf, readUntil, syncedMessages } from './support/sync-stream';
import { startTestServer, type TestServer } from './support/test-server';

// The live part of the sync stream: after a fresh sync and during one, resumed by seq (header or
// `?since=`) or started at now, heartbeats on an idle stream, and the JSON refusals of bad input.

const HEARTBEAT_MS = 100;

let server: TestServer;
let phone: Awaited<ReturnType<typeof signUpPhone>>;
let chat: { chatId: string; chatKey: ChatKey };
beforeAll(async () => {
  await initCrypto();
  server = await startTestServer({ SSE_HEARTBEAT_SECONDS: String(HEARTBEAT_MS / 1000) });
  phone = await signUpPhone(server, 'live');
  const started = await startChat(phone.api, phone.session, { title: 'Live', memberUsernames: [] });
  chat = { chatId: started.chat.chatId, chatKey: started.chatKey };
  await phone.api.call('updateMyChatState', { params: { chatId: chat.chatId }, body: { opened: true } });
});
afterAll(() => server.stop());

const say = (text: string) => sendText(phone.api, phone.session, chat.chatId, chat.chatKey, text);
const lastSeq = async (userId = phone.session.userId) =>
  (await server.server.deps.db.user.findUniqueOrThrow({ where: { id: userId } })).lastSeq;
/** The live events' names and ids, for order and gap checks. */
const wire = (events: readonly SseEvent[]) => events.map((e) => [e.event, e.id]);

describe('live events', () => {
  it('after a fresh sync: every commit arrives once, in seq order, with its seq as id', async () => {
    const desktop = await linkDesktopDirectly(server, phone.session.userId);
    const stream = await openSse(server.url, '', bearer(desktop.accessToken));
    const history = await readUntil(stream, 'cache_primed');
    const cursor = payloadOf(history.at(-1)!, 'cache_primed').cursor;
    expect(cursor).toBe(await lastSeq());

    const sent = [await say('one'), await say('two'), await say('three')];
    const live = [await stream.next(), await stream.next(), await stream.next()];
    stream.close();
    expectOnContract(live);
    expect(wire(live)).toEqual(sent.map((_, i) => ['message:new', String(cursor + 1 + i)]));
    expect(live.map((e) => payloadOf(e, 'message:new').message)).toEqual(sent);
  });

  it('during a fresh sync: a commit made mid-history comes after cache_primed, as a live event, once', async () => {
    const big = await signUpPhone(server, 'bighistory');
    const { totalBytes } = await seedHistory(server, big, { chats: 3, perChat: 128, bytes: 32 * 1024 });
    const { chat: own, chatKey } = await startChat(big.api, big.session, { title: 'Now', memberUsernames: [] });
    await big.api.call('updateMyChatState', { params: { chatId: own.chatId }, body: { opened: true } });
    const desktop = await linkDesktopDirectly(server, big.session.userId);
    const stream = await openSse(server.url, '', bearer(desktop.accessToken));
    const before = await readUntil(stream, 'phase_1_last_chat_ready');
    // The reader has taken little of the history, so the server, held back by backpressure, has not
    // written all of it yet: the commit below lands mid-history. (This server's only large stream.)
    const written = Math.max(...[...server.server.deps.streams].map((writer) => writer.bytesWritten));
    expect(written).toBeLessThan(totalBytes);
    const sent = await sendText(big.api, big.session, own.chatId, chatKey, 'meanwhile');

    const rest = await readUntil(stream, 'message:new');
    stream.close();
    const { snapshotSeq } = payloadOf(before[1]!, 'sync:initial');
    const names = rest.map((e) => e.event);
    expect(names.indexOf('cache_primed')).toBe(names.length - 2);
    expect(rest.at(-1)).toEqual({ event: 'message:new', data: { message: sent }, id: String(snapshotSeq + 1) });
    expect(syncedMessages([...before, ...rest]).map((m) => m.messageId)).not.toContain(sent.messageId);
    expect(syncedMessages(rest).length).toBe(3 * 128);
  });

  it('resumed by seq (Last-Event-ID), it sends exactly the changes after it, then goes on live; the cursor is stored', async () => {
    const desktop = await linkDesktopDirectly(server, phone.session.userId);
    const from = await lastSeq();
    const sent = [await say('a'), await say('b'), await say('c')];
    const stream = await openSse(server.url, '', { ...bearer(desktop.accessToken), 'last-event-id': String(from + 1) });
    const connected = await stream.next();
    expect(payloadOf(connected, 'connected')).toMatchObject({
      mode: 'live',
      cursor: from + 1,
      heartbeatMs: HEARTBEAT_MS,
    });
    const replayed = [await stream.next(), await stream.next()];
    const later = await say('d');
    const next = await stream.next();
    stream.close();
    expect(wire([...replayed, next])).toEqual([
      ['message:new', String(from + 2)],
      ['message:new', String(from + 3)],
      ['message:new', String(from + 4)],
    ]);
    expect([...replayed, next].map((e) => payloadOf(e, 'message:new').message)).toEqual([...sent.slice(1), later]);
    expect((await server.server.deps.db.device.findUniqueOrThrow({ where: { id: desktop.deviceId } })).syncCursor).toBe(
      from + 1,
    );
  });

  it('?since=<seq> resumes the same way; a seq Last-Event-ID wins over it', async () => {
    const from = await lastSeq();
    const sent = [await say('x'), await say('y')];
    const token = phone.session.tokens.accessToken;
    const bySince = await openSse(server.url, `since=${from}`, bearer(token));
    const byHeader = await openSse(server.url, `since=${from}`, {
      ...bearer(token),
      'last-event-id': String(from + 1),
    });
    const sinceEvents = [await bySince.next(), await bySince.next(), await bySince.next()];
    const headerEvents = [await byHeader.next(), await byHeader.next()];
    bySince.close();
    byHeader.close();
    expect(payloadOf(sinceEvents[0]!, 'connected')).toMatchObject({ mode: 'live', cursor: from });
    expect(sinceEvents.slice(1).map((e) => payloadOf(e, 'message:new').message)).toEqual(sent);
    expect(payloadOf(headerEvents[0]!, 'connected')).toMatchObject({ mode: 'live', cursor: from + 1 });
    expect(wire(headerEvents.slice(1))).toEqual([['message:new', String(from + 2)]]);
  });

  it('?from=now sends nothing of the past: only what commits after it', async () => {
    await say('past');
    const now = await lastSeq();
    const stream = await openSse(server.url, 'from=now', bearer(phone.session.tokens.accessToken));
    expect(payloadOf(await stream.next(), 'connected')).toMatchObject({ mode: 'live', cursor: now });
    const sent = await say('future');
    const event = await stream.next();
    stream.close();
    expect(event).toEqual({ event: 'message:new', data: { message: sent }, id: String(now + 1) });
  });

  it("another user's commits never reach this stream", async () => {
    const other = await signUpPhone(server, 'stranger');
    const { chat: theirs, chatKey } = await startChat(other.api, other.session, {
      title: 'Theirs',
      memberUsernames: [],
    });
    const stream = await openSse(server.url, 'from=now', bearer(phone.session.tokens.accessToken));
    await stream.next();
    await sendText(other.api, other.session, theirs.chatId, chatKey, 'not for you');
    const mine = await say('for me');
    const event = await stream.next();
    stream.close();
    expect(payloadOf(event, 'message:new').message).toEqual(mine);
  });
});

describe('heartbeats', () => {
  it('an idle stream gets a heartbeat comment every SSE_HEARTBEAT_SECONDS, and events still follow', async () => {
    const stream = await openSse(server.url, 'from=now', bearer(phone.session.tokens.accessToken));
    expect(payloadOf(await stream.next(), 'connected').heartbeatMs).toBe(HEARTBEAT_MS);
    await new Promise((resolve) => setTimeout(resolve, HEARTBEAT_MS * 5 + 50));
    const sent = await say('after the quiet');
    expect(payloadOf(await stream.next(), 'message:new').message).toEqual(sent);
    stream.close();
    expect(stream.comments.length).toBeGreaterThanOrEqual(3);
    expect(new Set(stream.comments)).toEqual(new Set(['heartbeat']));
  });
});

describe('bad input is a JSON 4xx before any stream opens, and stores nothing', () => {
  const refusal = (status: number, code: string) => ({
    status,
    error: { error: { code, message: expect.any(String) } },
  });

  it.each([
    ['no credentials', {}],
    ['a malformed bearer token', { authorization: 'Bearer not-a-token' }],
    ['an unknown bearer token', { authorization: `Bearer ${'A'.repeat(43)}` }],
    ['another scheme', { authorization: 'Basic dXNlcjpwdw==' }],
  ])('%s → 401 unauthenticated', async (_what, headers) => {
    expect(await tryOpenSse(server.url, '', headers)).toEqual(refusal(401, 'unauthenticated'));
  });

  it('an expired access token → 401 token_expired', async () => {
    const desktop = await linkDesktopDirectly(server, phone.session.userId);
    await server.server.deps.db.session.updateMany({
      where: { deviceId: desktop.deviceId },
      data: { accessExpiresAt: new Date(Date.now() - 1000) },
    });
    expect(await tryOpenSse(server.url, '', bearer(desktop.accessToken))).toEqual(refusal(401, 'token_expired'));
  });

  it.each([
    ['since=abc', 'since=abc'],
    ['since=-1', 'since=-1'],
    ['since=1.5', 'since=1.5'],
    ['since of 16 digits', `since=${'9'.repeat(16)}`],
    ['from=later', 'from=later'],
    ['a ticket of 201 characters', `ticket=${'x'.repeat(201)}`],
  ])('%s → 400 validation_failed, naming the field', async (_what, query) => {
    const desktop = await linkDesktopDirectly(server, phone.session.userId);
    const result = await tryOpenSse(server.url, query, bearer(desktop.accessToken));
    expect(result).toEqual(refusal(400, 'validation_failed'));
    expect((result as { error: { error: { message: string } } }).error.error.message).toContain(
      `query.${query.split('=')[0]}`,
    );
    const device = await server.server.deps.db.device.findUniqueOrThrow({ where: { id: desktop.deviceId } });
    expect({ syncCursor: device.syncCursor, syncPlan: device.syncPlan }).toEqual({
      syncCursor: null,
      syncPlan: null,
    });
    expect(server.server.deps.streams.openFor(desktop.deviceId)).toBe(0);
  });
});
