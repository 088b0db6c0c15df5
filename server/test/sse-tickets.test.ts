import { initCrypto, sha256Hex } from '../../common/crypto';
import { sendText, startChat } from '../../mobile-pairing/src/core/chats';
import { MAX_OPEN_SSE_TICKETS } from '../src/modules/sync/sse-tickets';
import { raw, signUpPhone } from './support/phone';
import { openSse, tryOpenSse } from './support/sse-client';
import { startTestServer, type TestServer } from './support/test-server';

let server: TestServer;
beforeAll(async () => {
  await initCrypto();
  server = await startTestServer();
});
afterAll(() => server.stop());

/** The sync stream over plain fetch (as a browser's EventSource reads it), or the JSON error it answered. */
const connect = (query: string) => tryOpenSse(server.url, query);

async function ticketFor(token: string): Promise<{ ticket: string; expiresAt: string }> {
  const res = await raw(server, 'POST', '/sse/ticket', { token });
  expect(res.status).toBe(201);
  return res.body;
}

describe('stream tickets (POST /sse/ticket, GET /sse/connect?ticket=…)', () => {
  it('a ticket opens a live-only stream once: only changes after now, ids are seqs; the second use is 401', async () => {
    const me = await signUpPhone(server, 'ticketer');
    const { chat, chatKey } = await startChat(me.api, me.session, { title: 'Before', memberUsernames: [] });
    await sendText(me.api, me.session, chat.chatId, chatKey, 'sent before the stream');
    const { lastSeq } = await server.server.deps.db.user.findUniqueOrThrow({ where: { id: me.session.userId } });

    const { ticket, expiresAt } = await ticketFor(me.session.tokens.accessToken);
    expect(ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const ttl = Date.parse(expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(20_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
    // Stored hashed, bound to the session that asked.
    const row = await server.server.deps.db.sseTicket.findUniqueOrThrow({
      where: { ticketHash: sha256Hex(ticket) },
      include: { session: true },
    });
    expect(row.session.deviceId).toBe(me.session.deviceId);
    expect(JSON.stringify(await server.server.deps.db.sseTicket.findMany())).not.toContain(ticket);

    const stream = await openSse(server.url, `ticket=${ticket}&from=now`);
    const connected = await stream.next();
    expect(connected).toMatchObject({
      event: 'connected',
      id: null,
      data: { mode: 'live', cursor: lastSeq, deviceId: me.session.deviceId },
    });

    const sent = await sendText(me.api, me.session, chat.chatId, chatKey, 'sent while connected');
    const live = await stream.next();
    // The message from before the stream is not replayed: the next event is the new one.
    expect(live.event).toBe('message:new');
    expect((live.data as { message: { messageId: string } }).message.messageId).toBe(sent.messageId);
    expect(Number(live.id)).toBeGreaterThan(lastSeq);

    const again = await connect(`ticket=${ticket}&from=now`);
    expect(again).toMatchObject({ status: 401, error: { error: { code: 'unauthenticated' } } });
    expect(await server.server.deps.db.sseTicket.count({ where: { ticketHash: sha256Hex(ticket) } })).toBe(0);
    stream.close();
  });

  it('?since=<seq> replays the changes after that seq, then stays live; a seq beyond the server is cursor_ahead', async () => {
    const me = await signUpPhone(server, 'sincer');
    const { chat, chatKey } = await startChat(me.api, me.session, { title: 'Since', memberUsernames: [] });
    const { lastSeq } = await server.server.deps.db.user.findUniqueOrThrow({ where: { id: me.session.userId } });
    const missed = await sendText(me.api, me.session, chat.chatId, chatKey, 'missed while away');

    const stream = await openSse(
      server.url,
      `ticket=${(await ticketFor(me.session.tokens.accessToken)).ticket}&since=${lastSeq}`,
    );
    expect(await stream.next()).toMatchObject({ event: 'connected', data: { mode: 'live', cursor: lastSeq } });
    const replayed = await stream.next();
    expect(replayed).toMatchObject({ event: 'message:new', id: String(lastSeq + 1) });
    expect((replayed.data as { message: { messageId: string } }).message.messageId).toBe(missed.messageId);
    stream.close();

    const ahead = await openSse(
      server.url,
      `ticket=${(await ticketFor(me.session.tokens.accessToken)).ticket}&since=${lastSeq + 1000}`,
    );
    expect(await ahead.next()).toMatchObject({ event: 'sync:error', data: { code: 'cursor_ahead', retryable: false } });
    ahead.close();
  });

  it('a session holds a bounded number of unused tickets: one more is 429 until one is used or expires; other sessions are unaffected', async () => {
    const me = await signUpPhone(server, 'hoarder');
    const other = await signUpPhone(server, 'bystander');
    const held = [];
    for (let i = 0; i < MAX_OPEN_SSE_TICKETS; i++) held.push(await ticketFor(me.session.tokens.accessToken));
    const refused = await raw(server, 'POST', '/sse/ticket', { token: me.session.tokens.accessToken });
    expect(refused).toMatchObject({
      status: 429,
      body: {
        error: {
          code: 'rate_limited',
          message: expect.stringContaining(`${MAX_OPEN_SSE_TICKETS} unused stream tickets`),
        },
      },
    });
    await ticketFor(other.session.tokens.accessToken);

    const stream = await openSse(server.url, `ticket=${held[0]!.ticket}&from=now`);
    expect((await stream.next()).event).toBe('connected');
    stream.close();
    await ticketFor(me.session.tokens.accessToken);
    await server.server.deps.db.sseTicket.updateMany({
      where: { ticketHash: sha256Hex(held[1]!.ticket) },
      data: { expiresAt: new Date(Date.now() - 1) },
    });
    await ticketFor(me.session.tokens.accessToken);
    expect((await raw(server, 'POST', '/sse/ticket', { token: me.session.tokens.accessToken })).status).toBe(429);
  });

  it('an expired ticket is 401', async () => {
    const me = await signUpPhone(server, 'expirer');
    const { ticket } = await ticketFor(me.session.tokens.accessToken);
    await server.server.deps.db.sseTicket.update({
      where: { ticketHash: sha256Hex(ticket) },
      data: { expiresAt: new Date(Date.now() - 1) },
    });
    const res = await connect(`ticket=${ticket}&from=now`);
    expect(res).toMatchObject({
      status: 401,
      error: { error: { code: 'unauthenticated', message: expect.stringContaining('expired') } },
    });
  });

  it('an unknown ticket, an access token passed as a ticket, and no credentials at all are 401', async () => {
    const me = await signUpPhone(server, 'unknowner');
    expect(await connect(`ticket=${'A'.repeat(43)}&from=now`)).toMatchObject({
      status: 401,
      error: { error: { code: 'unauthenticated' } },
    });
    // The access token is never accepted in a URL.
    expect(await connect(`ticket=${me.session.tokens.accessToken}&from=now`)).toMatchObject({ status: 401 });
    expect(await connect('from=now')).toMatchObject({ status: 401, error: { error: { code: 'unauthenticated' } } });
  });

  it('a bad query is 400 and does not burn the ticket', async () => {
    const me = await signUpPhone(server, 'badquery');
    const { ticket } = await ticketFor(me.session.tokens.accessToken);
    expect(await connect(`ticket=${ticket}&since=-3`)).toMatchObject({
      status: 400,
      error: { error: { code: 'validation_failed' } },
    });
    expect(await connect(`ticket=${ticket}&from=yesterday`)).toMatchObject({
      status: 400,
      error: { error: { code: 'validation_failed' } },
    });
    const stream = await openSse(server.url, `ticket=${ticket}&from=now`);
    expect(await stream.next()).toMatchObject({ event: 'connected' });
    stream.close();
  });

  it('the ticket of a device unlinked after it was issued is 403 device_revoked; an unlinked device gets no ticket', async () => {
    const me = await signUpPhone(server, 'revokee');
    const { ticket } = await ticketFor(me.session.tokens.accessToken);
    await me.api.call('revokeDevice', { params: { deviceId: me.session.deviceId } });
    expect(await connect(`ticket=${ticket}&from=now`)).toMatchObject({
      status: 403,
      error: { error: { code: 'device_revoked' } },
    });
    const res = await raw(server, 'POST', '/sse/ticket', { token: me.session.tokens.accessToken });
    expect(res).toMatchObject({ status: 403, body: { error: { code: 'device_revoked' } } });
    expect((await raw(server, 'POST', '/sse/ticket')).status).toBe(401);
  });

  it('a live stream sees its own device unlinked, then ends', async () => {
    const me = await signUpPhone(server, 'watcher');
    const stream = await openSse(
      server.url,
      `ticket=${(await ticketFor(me.session.tokens.accessToken)).ticket}&from=now`,
    );
    expect(await stream.next()).toMatchObject({ event: 'connected' });
    await me.api.call('revokeDevice', { params: { deviceId: me.session.deviceId } });
    expect(await stream.next()).toMatchObject({ event: 'device:revoked', data: { deviceId: me.session.deviceId } });
    await expect(stream.next()).rejects.toThrow('the stream ended');
  });

  it('neither tickets nor tokens reach the logs', async () => {
    const me = await signUpPhone(server, 'logcheck');
    const tickets = [await ticketFor(me.session.tokens.accessToken), await ticketFor(me.session.tokens.accessToken)];
    (await openSse(server.url, `ticket=${tickets[0]!.ticket}&from=now`)).close();
    await connect(`ticket=${tickets[0]!.ticket}&from=now`); // reused: refused, and the refusal is logged
    await connect(`ticket=${tickets[1]!.ticket}&since=x`); // a 400
    await new Promise((resolve) => setTimeout(resolve, 100));
    const logs = server.logs.join('\n');
    expect(logs).toContain('/sse/connect'); // the requests were logged…
    for (const { ticket } of tickets) expect(logs).not.toContain(ticket); // …without their query
    expect(logs).not.toContain(me.session.tokens.accessToken);
  });
});
