import { initCrypto } from '../../common/crypto';
import { sendText, startChat } from '../../mobile-pairing/src/core/chats';
import { pruneChangeLog } from '../src/modules/changes/log-retention';
import { linkDesktopDirectly } from './support/desktop-fixture';
import { raw, signUpPhone } from './support/phone';
import { openSse } from './support/sse-client';
import { bearer, payloadOf, readUntil } from './support/sync-stream';
import { startTestServer, type TestServer } from './support/test-server';

// CHANGE_LOG_RETENTION_DAYS (docs/DEVICE-LIFECYCLE.md "Change-log retention"): the prune drops a prefix of
// each user's log older than the setting, and a device whose position is older than what the log keeps is
// answered explicitly — a fresh plan for a desktop (Last-Event-ID), `cursor_expired` for a browser (`since`).

const DAY = 86_400_000;

let server: TestServer;
beforeAll(async () => {
  await initCrypto();
  server = await startTestServer({ CHANGE_LOG_RETENTION_DAYS: '90', SYNC_ACK_MIN_INTERVAL_MS: '0' });
});
afterAll(() => server.stop());

describe('change-log retention', () => {
  it('prunes a prefix of the log; a desktop older than the log gets a fresh plan, a browser cursor_expired', async () => {
    const { db } = server.server.deps;
    const phone = await signUpPhone(server, 'retention');
    const { chat, chatKey } = await startChat(phone.api, phone.session, { title: 'kept', memberUsernames: [] });
    const send = (text: string) => sendText(phone.api, phone.session, chat.chatId, chatKey, text);
    await send('old');
    const userId = phone.session.userId;
    const head = async () => (await db.user.findUniqueOrThrow({ where: { id: userId } })).lastSeq;
    const behindDesktop = await linkDesktopDirectly(server, userId);
    const h1 = await head();
    await db.device.update({ where: { id: behindDesktop.deviceId }, data: { syncedPosition: String(h1) } });
    for (let i = 0; i < 5; i++) await send(`m${i}`);
    const nearDesktop = await linkDesktopDirectly(server, userId);
    await db.device.update({ where: { id: nearDesktop.deviceId }, data: { syncedPosition: String(h1 + 3) } });

    // Entries h1+1 and h1+3 are 100 days old, h1+2 (written by another instance's clock, say) is not:
    // the prune removes the whole prefix through h1+3 — never a hole in the middle.
    await db.changeLog.updateMany({
      where: { userId, seq: { in: [h1 + 1, h1 + 3] } },
      data: { createdAt: new Date(Date.now() - 100 * DAY) },
    });
    expect(await server.server.logRetention.prune()).toBe(h1 + 3);
    const kept = await db.changeLog.findMany({ where: { userId }, select: { seq: true }, orderBy: { seq: 'asc' } });
    expect(kept.map((r) => r.seq)).toEqual([h1 + 4, h1 + 5]);
    // Nothing older than 90 days is left: a second prune removes nothing.
    expect(await server.server.logRetention.prune()).toBe(0);

    // The device list says which desktop can still catch up from the log.
    const { devices } = await phone.api.call('listDevices', {});
    const status = (id: string) => devices.find((d) => d.deviceId === id)?.syncStatus;
    expect(status(behindDesktop.deviceId)).toMatchObject({ state: 'log_expired' });
    expect(status(nearDesktop.deviceId)).toMatchObject({ state: 'behind', changesBehind: 2 });

    // The desktop whose position the log no longer covers: a fresh plan, whose history holds every message.
    const fresh = await openSse(server.url, '', { ...bearer(behindDesktop.accessToken), 'last-event-id': String(h1) });
    const events = await readUntil(fresh, 'cache_primed');
    fresh.close();
    expect(events[0]).toMatchObject({ event: 'connected', data: { mode: 'fresh', cursor: h1 + 5 } });
    expect(payloadOf(events[1]!, 'sync:initial').totals.messages).toBe(6);
    const afterFresh = await phone.api.call('listDevices', {});
    expect(afterFresh.devices.find((d) => d.deviceId === behindDesktop.deviceId)?.syncStatus).toMatchObject({
      state: 'first_sync',
    });

    // The one the log still covers resumes live with the two changes it lacks.
    const live = await openSse(server.url, '', { ...bearer(nearDesktop.accessToken), 'last-event-id': String(h1 + 3) });
    expect(await live.next()).toMatchObject({ event: 'connected', data: { mode: 'live', cursor: h1 + 3 } });
    expect(await live.next()).toMatchObject({ event: 'message:new', id: String(h1 + 4) });
    expect(await live.next()).toMatchObject({ event: 'message:new', id: String(h1 + 5) });
    live.close();

    // A browser (no store to fill) asking for the changes after an expired position is told so, and the
    // stream ends; from a covered one it goes live.
    const browser = await openSse(server.url, `since=${h1}`, bearer(phone.session.tokens.accessToken));
    expect(await browser.ended()).toEqual([
      expect.objectContaining({
        event: 'sync:error',
        data: expect.objectContaining({ code: 'cursor_expired', retryable: false }),
      }),
    ]);
    const covered = await openSse(server.url, `since=${h1 + 3}`, bearer(phone.session.tokens.accessToken));
    expect(await covered.next()).toMatchObject({ event: 'connected', data: { mode: 'live' } });
    covered.close();
    // An acknowledgement of the expired position is refused like any other step backwards.
    expect(
      await raw(server, 'POST', '/sync/ack', { token: behindDesktop.accessToken, body: { position: String(h1) } }),
    ).toMatchObject({ status: 409, body: { error: { code: 'stale_position' } } });
  });

  it('0 keeps the log forever; the whole log pruned still reads as expired for a device behind it', async () => {
    const { db } = server.server.deps;
    const phone = await signUpPhone(server, 'forever');
    const { chat, chatKey } = await startChat(phone.api, phone.session, { title: 'x', memberUsernames: [] });
    await sendText(phone.api, phone.session, chat.chatId, chatKey, 'a');
    const userId = phone.session.userId;
    await db.changeLog.updateMany({ where: { userId }, data: { createdAt: new Date(Date.now() - 1000 * DAY) } });
    const count = await db.changeLog.count({ where: { userId } });
    expect(await pruneChangeLog(db, 0, new Date())).toBe(0);
    expect(await db.changeLog.count({ where: { userId } })).toBe(count);

    expect(await pruneChangeLog(db, 90, new Date())).toBe(count);
    const desktop = await linkDesktopDirectly(server, userId);
    await db.device.update({ where: { id: desktop.deviceId }, data: { syncedPosition: '1' } });
    const own = await desktop.api.call('getSyncStatus', {});
    expect(own.status).toMatchObject({ state: 'log_expired' });
    // At the head, nothing is missing: up to date though the log is empty.
    await db.device.update({ where: { id: desktop.deviceId }, data: { syncedPosition: String(own.latestSeq) } });
    expect((await desktop.api.call('getSyncStatus', {})).status).toMatchObject({ state: 'up_to_date' });
  });
});
