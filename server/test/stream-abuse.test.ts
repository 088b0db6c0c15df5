import { initCrypto } from '../../common/crypto';
import { sendText, startChat } from '../../mobile-pairing/src/core/chats';
import { openSession } from '../src/modules/accounts/tokens';
import { linkDesktopDirectly } from './support/desktop-fixture';
import { seedHistory } from './support/history-seed';
import { raw, signUpPhone } from './support/phone';
import { openUnreadStream } from './support/raw-sse-socket';
import { openSse, type SseStream, tryOpenSse } from './support/sse-client';
import { bearer, readUntil } from './support/sync-stream';
import { startTestServer, type TestServer } from './support/test-server';

// Abuse of the sync stream by a client with valid credentials: many streams, storms, streams that
// outlive their device or session, and readers that never read. Loopback only; every wait is bounded.

const PER_DEVICE = 4;
const PER_ACCOUNT = 6;
/** Seeded history: far more than the kernel's and the server's buffers hold. */
const HISTORY = { chats: 3, perChat: 256, bytes: 32 * 1024 };

let server: TestServer;
let historian: Awaited<ReturnType<typeof signUpPhone>>;
let historyBytes: number;
beforeAll(async () => {
  await initCrypto();
  server = await startTestServer({
    SSE_HEARTBEAT_SECONDS: '0.2',
    SSE_MAX_STREAMS_PER_DEVICE: String(PER_DEVICE),
    SSE_MAX_STREAMS_PER_ACCOUNT: String(PER_ACCOUNT),
    SYNC_BATCH_BYTES: String(256 * 1024),
  });
  historian = await signUpPhone(server, 'historian');
  historyBytes = (await seedHistory(server, historian, HISTORY)).totalBytes;
});
afterAll(() => server.stop());

/** A desktop's fresh sync of the historian's account, read up to its first history batch. */
async function freshSyncUnderWay(): Promise<{ deviceId: string; accessToken: string; stream: SseStream }> {
  const desktop = await linkDesktopDirectly(server, historian.session.userId);
  const stream = await openSse(server.url, 'chats=100', bearer(desktop.accessToken));
  await readUntil(stream, 'message:sync');
  return { ...desktop, stream };
}

async function eventually(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('streams end when their right to exist ends', () => {
  it('unlinking a device mid-history ends every stream of it at once: device:revoked last, no cache_primed, the rest of the history unsent', async () => {
    const { deviceId, accessToken, stream } = await freshSyncUnderWay();
    const live = await openSse(server.url, 'from=now', bearer(accessToken));
    await live.next();
    const before = stream.bytes;

    await historian.api.call('revokeDevice', { params: { deviceId } });
    // Ended by the time the unlink has answered (what was already buffered gets at most a second to drain).
    expect(server.server.deps.streams.openFor(deviceId)).toBe(0);

    const rest = await stream.ended();
    expect(rest.map((e) => e.event)).not.toContain('cache_primed');
    expect(rest.at(-1)).toEqual({ event: 'device:revoked', data: { deviceId }, id: null });
    expect(stream.bytes - before).toBeLessThan(historyBytes / 2);
    expect((await live.ended()).at(-1)).toEqual({ event: 'device:revoked', data: { deviceId }, id: null });
    // And it cannot come back.
    expect(await tryOpenSse(server.url, 'from=now', bearer(accessToken))).toMatchObject({
      status: 403,
      error: { error: { code: 'device_revoked' } },
    });
  });

  it('signing out mid-history ends the stream with sync:error signed_out and sends no more history', async () => {
    const { accessToken, stream } = await freshSyncUnderWay();
    const before = stream.bytes;
    expect((await raw(server, 'POST', '/auth/logout', { token: accessToken })).status).toBe(204);
    const rest = await stream.ended();
    expect(rest.map((e) => e.event)).not.toContain('cache_primed');
    expect(rest.at(-1)).toMatchObject({
      event: 'sync:error',
      data: { code: 'signed_out', retryable: false },
      id: null,
    });
    expect(stream.bytes - before).toBeLessThan(historyBytes / 2);
  });

  it("signing out ends that session's live streams only: the device's other session keeps receiving message:new", async () => {
    const phone = await signUpPhone(server, 'leaver');
    const { chat, chatKey } = await startChat(phone.api, phone.session, { title: 'Stay', memberUsernames: [] });
    const other = await server.server.deps.db.$transaction((tx) =>
      openSession(tx, phone.session.deviceId, server.server.deps.config),
    );
    const leaving = await openSse(server.url, 'from=now', bearer(phone.session.tokens.accessToken));
    const staying = await openSse(server.url, 'from=now', bearer(other.accessToken));
    await leaving.next();
    await staying.next();

    await phone.api.call('logout', {});
    expect(await leaving.ended()).toEqual([
      { event: 'sync:error', data: { code: 'signed_out', message: expect.any(String), retryable: false }, id: null },
    ]);
    const sent = await sendText(
      server.client(() => other.accessToken),
      phone.session,
      chat.chatId,
      chatKey,
      'still here',
    );
    const arrived = (await readUntil(staying, 'message:new')).at(-1)!;
    expect((arrived.data as { message: { messageId: string } }).message.messageId).toBe(sent.messageId);
    staying.close();
  });

  it('after sync:error cursor_ahead (not retryable) the server ends the stream instead of holding it open', async () => {
    const phone = await signUpPhone(server, 'ahead');
    const stream = await openSse(server.url, '', {
      ...bearer(phone.session.tokens.accessToken),
      'last-event-id': '999999',
    });
    expect(await stream.next()).toMatchObject({
      event: 'sync:error',
      data: { code: 'cursor_ahead', retryable: false },
    });
    expect(await stream.ended()).toEqual([]);
  });
});

describe('stream caps', () => {
  it('one token opening many streams keeps only the newest few: the older ones end with stream_replaced', async () => {
    const phone = await signUpPhone(server, 'hoarder');
    const { chat, chatKey } = await startChat(phone.api, phone.session, { title: 'Many', memberUsernames: [] });
    const streams: SseStream[] = [];
    for (let i = 0; i < 12; i++) {
      const stream = await openSse(server.url, 'from=now', bearer(phone.session.tokens.accessToken));
      await stream.next();
      streams.push(stream);
    }
    expect(server.server.deps.streams.openFor(phone.session.deviceId)).toBe(PER_DEVICE);
    for (const old of streams.slice(0, -PER_DEVICE)) {
      expect(await old.ended()).toEqual([
        {
          event: 'sync:error',
          data: { code: 'stream_replaced', message: expect.any(String), retryable: false },
          id: null,
        },
      ]);
    }
    const sent = await sendText(phone.api, phone.session, chat.chatId, chatKey, 'to the newest');
    for (const newest of streams.slice(-PER_DEVICE)) {
      const arrived = (await readUntil(newest, 'message:new')).at(-1)!;
      expect((arrived.data as { message: { messageId: string } }).message.messageId).toBe(sent.messageId);
      newest.close();
    }
  });

  it('an account at its cap refuses a new device with 429 JSON, while a device that already streams replaces its own oldest', async () => {
    const phone = await signUpPhone(server, 'crowded');
    const desktop = await linkDesktopDirectly(server, phone.session.userId);
    const late = await linkDesktopDirectly(server, phone.session.userId);
    const open: SseStream[] = [];
    for (const token of [
      ...Array(PER_DEVICE).fill(desktop.accessToken),
      ...Array(PER_ACCOUNT - PER_DEVICE).fill(phone.session.tokens.accessToken),
    ]) {
      const stream = await openSse(server.url, 'from=now', bearer(token as string));
      await stream.next();
      open.push(stream);
    }
    const refused = await tryOpenSse(server.url, 'from=now', bearer(late.accessToken));
    expect(refused).toMatchObject({
      status: 429,
      error: { error: { code: 'rate_limited', message: expect.stringContaining(`${PER_ACCOUNT} open sync streams`) } },
    });

    const again = await openSse(server.url, 'from=now', bearer(phone.session.tokens.accessToken));
    expect(await again.next()).toMatchObject({ event: 'connected' });
    expect(await open[PER_DEVICE]!.ended()).toEqual([
      expect.objectContaining({ event: 'sync:error', data: expect.objectContaining({ code: 'stream_replaced' }) }),
    ]);
    for (const stream of [...open, again]) stream.close();
  });

  it('a reconnect storm (60 connects, half cut at once, half left open) leaves at most the cap open, and nothing once the client is gone', async () => {
    const desktop = await linkDesktopDirectly(server, historian.session.userId);
    const headers = bearer(desktop.accessToken);
    const cut = Array.from({ length: 30 }, async () => {
      const stream = await openSse(server.url, 'from=now', headers);
      stream.close();
    });
    const kept = await Promise.all(Array.from({ length: 30 }, () => tryOpenSse(server.url, 'from=now', headers)));
    await Promise.all(cut);
    const streams = kept.filter((s): s is SseStream => !('error' in s));
    expect(streams).toHaveLength(30);
    await eventually(
      () => server.server.deps.streams.openFor(desktop.deviceId) <= PER_DEVICE,
      'the storm settling to the cap',
    );
    expect((await raw(server, 'GET', '/healthz')).status).toBe(200);

    for (const stream of streams) stream.close();
    await eventually(
      () => server.server.deps.streams.openFor(desktop.deviceId) === 0,
      'every stream of the storm closing',
    );
    const gauge = /symc_sse_connections (\d+)/.exec(await (await fetch(`${server.url}/metrics`)).text());
    expect(Number(gauge?.[1])).toBe(server.server.deps.streams.size);
  });
});

describe('a reader that never reads', () => {
  let stalling: TestServer;
  let phone: Awaited<ReturnType<typeof signUpPhone>>;
  beforeAll(async () => {
    stalling = await startTestServer({
      SSE_HEARTBEAT_SECONDS: '0.05',
      SSE_STALL_SECONDS: '0.5',
      SYNC_BATCH_BYTES: String(256 * 1024),
    });
    phone = await signUpPhone(stalling, 'staller');
    await seedHistory(stalling, phone, HISTORY);
  });
  afterAll(() => stalling.stop());

  it('is cut once it stops taking bytes; the bytes held stay bounded and no listener piles up meanwhile', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const desktop = await linkDesktopDirectly(stalling, phone.session.userId);
      const client = await openUnreadStream(stalling.url, desktop.accessToken);
      await eventually(() => stalling.server.deps.streams.openFor(desktop.deviceId) === 1, 'the stream opening');
      const writer = [...stalling.server.deps.streams][0]!;
      const counts = () => {
        const { response } = writer;
        return [
          response.listenerCount('drain'),
          response.listenerCount('close'),
          response.socket?.listenerCount('drain') ?? 0,
          response.socket?.listenerCount('close') ?? 0,
        ];
      };
      const first = counts();
      let most = first;
      let buffered = 0;
      // Dozens of heartbeats fall due while the socket is backpressured.
      await eventually(
        () => {
          const now = counts();
          most = most.map((n, i) => Math.max(n, now[i]!));
          buffered = Math.max(buffered, writer.response.writableLength);
          return writer.closed;
        },
        'the server cutting the stalled stream',
        15_000,
      );

      expect(most).toEqual(first);
      expect(buffered).toBeLessThanOrEqual(stalling.server.deps.config.sseMaxBufferedBytes);
      expect(stalling.server.deps.streams.openFor(desktop.deviceId)).toBe(0);
      expect(['ended', 'reset']).toContain(await client.finish(5_000));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
      const metrics = await (await fetch(`${stalling.url}/metrics`)).text();
      expect(metrics).toMatch(/symc_sse_streams_ended_total\{reason="stalled"\} 1/);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
