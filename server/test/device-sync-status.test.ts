import { initCrypto } from '../../common/crypto';
import type { DeviceSyncStatus } from '../../common/contract';
import { sendText, startChat } from '../../mobile-pairing/src/core/chats';
import { linkDesktopDirectly } from './support/desktop-fixture';
import { seedChat } from './support/history-seed';
import { raw, signUpPhone } from './support/phone';
import { openSse, type SseStream } from './support/sse-client';
import { bearer, readUntil } from './support/sync-stream';
import { startTestServer, type TestServer } from './support/test-server';

// Sync status per device (docs/DEVICE-LIFECYCLE.md): each desktop acknowledges the position it applied
// (`POST /sync/ack`), the device list shows how far each one is, and acknowledgements this server never
// issued to the device — or going backwards — are refused with a 4xx and change nothing.

type Phone = Awaited<ReturnType<typeof signUpPhone>>;

let server: TestServer;
beforeAll(async () => {
  await initCrypto();
  server = await startTestServer({ SYNC_BATCH_MESSAGES: '5', SYNC_ACK_MIN_INTERVAL_MS: '0' });
});
afterAll(() => server.stop());

const ack = (token: string, position: unknown) => raw(server, 'POST', '/sync/ack', { token, body: { position } });

async function statusInList(phone: Phone, deviceId: string): Promise<DeviceSyncStatus | null | undefined> {
  const { devices } = await phone.api.call('listDevices', {});
  return devices.find((d) => d.deviceId === deviceId)?.syncStatus;
}

async function storedPosition(deviceId: string) {
  const row = await server.server.deps.db.device.findUniqueOrThrow({ where: { id: deviceId } });
  return { syncedPosition: row.syncedPosition, syncedAt: row.syncedAt, syncCursor: row.syncCursor };
}

/** A phone with 3 chats of 10 messages, a chat it writes live messages in, and a desktop linked to it. */
async function account(name: string) {
  const phone = await signUpPhone(server, name);
  for (let c = 0; c < 3; c++) await seedChat(server, phone, { title: `${name} ${c}`, messages: 10, bytes: 80 });
  const { chat, chatKey } = await startChat(phone.api, phone.session, { title: 'live', memberUsernames: [] });
  const send = (text: string) => sendText(phone.api, phone.session, chat.chatId, chatKey, text);
  const desktop = await linkDesktopDirectly(server, phone.session.userId);
  return { phone, send, desktop };
}

describe('sync status per device', () => {
  it('moves as a desktop syncs (first sync %, up to date) and falls behind (N changes), on the list and on its own', async () => {
    const { phone, send, desktop } = await account('status');
    // Never connected: nothing acknowledged. The phone itself keeps no store: no status.
    expect(await statusInList(phone, desktop.deviceId)).toEqual({ state: 'never' });
    expect(await statusInList(phone, phone.session.deviceId)).toBeNull();

    const stream = await openSse(server.url, '', bearer(desktop.accessToken));
    const head = await readUntil(stream, 'sync:initial');
    expect(head[0]).toMatchObject({ event: 'connected', data: { mode: 'fresh' } });
    // The fresh plan's beginning is where it stands now.
    expect(await statusInList(phone, desktop.deviceId)).toMatchObject({ state: 'first_sync', percent: 0 });

    // The desktop applies batches and acknowledges them: the share of the plan's 40 messages grows.
    const percents: number[] = [];
    let events = await readUntil(stream, 'message:sync');
    for (let i = 0; i < 4; i++) {
      const position = events[events.length - 1]!.id!;
      const answer = await ack(desktop.accessToken, position);
      expect(answer.status).toBe(200);
      expect(answer.body.status.state).toBe('first_sync');
      percents.push(answer.body.status.percent);
      expect(await statusInList(phone, desktop.deviceId)).toEqual(answer.body.status);
      events = await readUntil(stream, 'message:sync');
    }
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents[0]).toBeGreaterThan(0);
    expect(percents[3]).toBeGreaterThan(percents[0]!);
    expect(percents[3]).toBeLessThan(100);

    const primed = (await readUntil(stream, 'cache_primed')).pop()!;
    const primedAck = await ack(desktop.accessToken, primed.id);
    expect(primedAck.body.status).toMatchObject({ state: 'up_to_date' });
    const syncedAt = Date.parse(primedAck.body.status.syncedAt);

    // The phone writes 3 messages; the desktop has applied none of them yet: 3 changes behind.
    for (const text of ['one', 'two', 'three']) await send(text);
    expect(await statusInList(phone, desktop.deviceId)).toMatchObject({ state: 'behind', changesBehind: 3 });
    const live = await nextEvents(stream, 3);
    expect(live.map((e) => e.event)).toEqual(['message:new', 'message:new', 'message:new']);
    // It applied two: one behind.
    expect((await ack(desktop.accessToken, live[1]!.id)).body.status).toMatchObject({
      state: 'behind',
      changesBehind: 1,
    });
    // Its own status, asked for on its own (seed 001's sync_status_request).
    const own = await desktop.api.call('getSyncStatus', {});
    expect(own.status).toMatchObject({ state: 'behind', changesBehind: 1 });
    expect(own.latestSeq).toBe(Number(live[2]!.id));
    // And the last: up to date again, synced later than before.
    const last = await ack(desktop.accessToken, live[2]!.id);
    expect(last.body.status).toMatchObject({ state: 'up_to_date' });
    expect(Date.parse(last.body.status.syncedAt)).toBeGreaterThanOrEqual(syncedAt);
    expect(await statusInList(phone, desktop.deviceId)).toEqual(last.body.status);
    stream.close();

    // Reconnecting from its stored position counts as acknowledged (the position is read from its store).
    for (const text of ['four', 'five']) await send(text);
    const again = await openSse(server.url, '', { ...bearer(desktop.accessToken), 'last-event-id': live[2]!.id! });
    expect(await again.next()).toMatchObject({ event: 'connected', data: { mode: 'live' } });
    expect(await statusInList(phone, desktop.deviceId)).toMatchObject({ state: 'behind', changesBehind: 2 });
    again.close();
  });

  it('hello reports the cursor it applied, forward only; one beyond the head is not recorded (the stream answers cursor_ahead)', async () => {
    const { phone, send, desktop } = await account('hello');
    await send('a');
    await send('b');
    const { latestSeq } = await desktop.api.call('syncHello', { body: { cursor: 1, outbox: [] } });
    expect(await statusInList(phone, desktop.deviceId)).toMatchObject({
      state: 'behind',
      changesBehind: latestSeq - 1,
    });
    await desktop.api.call('syncHello', { body: { cursor: latestSeq + 10, outbox: [] } });
    expect(await storedPosition(desktop.deviceId)).toMatchObject({ syncedPosition: '1', syncCursor: 1 });
    await desktop.api.call('syncHello', { body: { cursor: latestSeq, outbox: [] } });
    expect(await statusInList(phone, desktop.deviceId)).toMatchObject({ state: 'up_to_date' });
    // The desktop's hello cursor is the seq of its last completed fresh sync, often behind its live position:
    // it never moves the position back.
    await desktop.api.call('syncHello', { body: { cursor: 1, outbox: [] } });
    expect(await storedPosition(desktop.deviceId)).toMatchObject({ syncedPosition: String(latestSeq) });
  });

  it('refuses forged, foreign, stale and malformed acknowledgements with a clear 4xx, changing nothing', async () => {
    const alice = await account('forger');
    const bob = await account('victim');
    // Alice's desktop syncs fully and acknowledges its head; a second desktop of hers gets its own plan.
    const stream = await openSse(server.url, '', bearer(alice.desktop.accessToken));
    const events = await readUntil(stream, 'cache_primed');
    stream.close();
    const firstBatch = events.find((e) => e.event === 'message:sync')!.id!;
    const primed = events[events.length - 1]!.id!;
    expect((await ack(alice.desktop.accessToken, primed)).status).toBe(200);
    await alice.send('between the two plans');
    const second = await linkDesktopDirectly(server, alice.phone.session.userId);
    const secondStream = await openSse(server.url, '', bearer(second.accessToken));
    const secondEvents = await readUntil(secondStream, 'message:sync');
    secondStream.close();
    const secondPosition = secondEvents[secondEvents.length - 1]!.id!;
    expect(secondPosition.split(':')[0]).not.toBe(firstBatch.split(':')[0]);
    // Bob's log runs further than Alice's.
    for (let i = 0; i < 5; i++) await bob.send(`b${i}`);
    const bobHead = (await bob.desktop.api.call('getSyncStatus', {})).latestSeq;
    const aliceHead = (await alice.desktop.api.call('getSyncStatus', {})).latestSeq;
    expect(bobHead).toBeGreaterThan(aliceHead);

    const before = await storedPosition(alice.desktop.deviceId);
    const refusals: Array<[unknown, number, string]> = [
      // Beyond the head of Alice's log (a seq of Bob's, say): never issued to her.
      [String(bobHead), 422, 'invalid_position'],
      [String(aliceHead + 1), 422, 'invalid_position'],
      // A position of the other desktop's plan.
      [secondPosition, 422, 'invalid_position'],
      // A position of a plan that isn't this device's current one, and one past the end of its plan.
      ['h999999:0:1', 422, 'invalid_position'],
      // Backwards: a position of its first sync, after it acknowledged the end of it; an older seq.
      [firstBatch, 409, 'stale_position'],
      [String(Number(primed) - 1), 409, 'stale_position'],
      // Not a position at all.
      ['latest', 400, 'validation_failed'],
      [42, 400, 'validation_failed'],
      ['h1:2', 400, 'validation_failed'],
    ];
    for (const [position, status, code] of refusals) {
      const answer = await ack(alice.desktop.accessToken, position);
      expect({ position, status: answer.status, code: answer.body.error.code }).toEqual({ position, status, code });
      expect(answer.body.error.message).toEqual(expect.any(String));
      expect(await storedPosition(alice.desktop.deviceId)).toEqual(before);
    }
    // The second desktop's plan, beyond its end.
    const snapshot = secondPosition.split(':')[0];
    expect(await ack(second.accessToken, `${snapshot}:99:0`)).toMatchObject({
      status: 422,
      body: { error: { code: 'invalid_position' } },
    });
    // No token: 401; an unlinked device: 403.
    expect((await raw(server, 'POST', '/sync/ack', { body: { position: primed } })).status).toBe(401);
    await alice.phone.api.call('revokeDevice', { params: { deviceId: second.deviceId } });
    expect(await ack(second.accessToken, secondPosition)).toMatchObject({
      status: 403,
      body: { error: { code: 'device_revoked' } },
    });
    // Bob's list is untouched by all of it, and Alice's desktop still says what it truly applied: the
    // message between the plans and the unlink are not applied yet.
    expect(await statusInList(bob.phone, bob.desktop.deviceId)).toEqual({ state: 'never' });
    expect(await statusInList(alice.phone, alice.desktop.deviceId)).toMatchObject({
      state: 'behind',
      changesBehind: 2,
    });
  });
});

describe('acknowledgements are rate-limited per device', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ SYNC_ACK_MIN_INTERVAL_MS: '600000' });
  });
  afterAll(() => limited.stop());

  it('one stored per SYNC_ACK_MIN_INTERVAL_MS: the next is 429 and stores nothing', async () => {
    const phone = await signUpPhone(limited, 'limited');
    const { chat, chatKey } = await startChat(phone.api, phone.session, { title: 'x', memberUsernames: [] });
    await sendText(phone.api, phone.session, chat.chatId, chatKey, 'one');
    await sendText(phone.api, phone.session, chat.chatId, chatKey, 'two');
    const desktop = await linkDesktopDirectly(limited, phone.session.userId);
    const ackLimited = (position: string) =>
      raw(limited, 'POST', '/sync/ack', { token: desktop.accessToken, body: { position } });
    expect((await ackLimited('1')).status).toBe(200);
    expect(await ackLimited('2')).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
    const row = await limited.server.deps.db.device.findUniqueOrThrow({ where: { id: desktop.deviceId } });
    expect(row.syncedPosition).toBe('1');
  });
});

/** The next `n` events of a stream. */
async function nextEvents(stream: SseStream, n: number) {
  const events = [];
  for (let i = 0; i < n; i++) events.push(await stream.next(10_000));
  return events;
}
