import { initCrypto } from '../../common/crypto';
import { signIn } from '../../mobile-pairing/src/core/account';
import { linkDesktopDirectly } from './support/desktop-fixture';
import { raw, signUpPhone } from './support/phone';
import { openSse } from './support/sse-client';
import { startTestServer, type TestServer } from './support/test-server';

const DAY = 86_400_000;

/**
 * DEVICE_INACTIVITY_DAYS: a device unseen that long is unlinked by the server's sweep (a fake clock moves
 * the server's "now" across days here), told why when it comes back, and its slot is free again.
 */
describe('devices unseen for DEVICE_INACTIVITY_DAYS are unlinked', () => {
  let server: TestServer;
  let now = Date.now();
  const clock = () => new Date(now);

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer({ DEVICE_INACTIVITY_DAYS: '30', MAX_LINKED_DEVICES: '2' }, {}, { clock });
  });
  afterAll(() => server?.stop());

  it('after 30 days unseen: unlinked (change-log event, tokens refused with reason inactive), its slot freed', async () => {
    now = Date.now();
    const phone = await signUpPhone(server, 'sweeper');
    const desktop = await linkDesktopDirectly(server, phone.session.userId);
    const { db } = server.server.deps;
    const seen = (await db.device.findUniqueOrThrow({ where: { id: desktop.deviceId } })).lastSeenAt;

    // The list says when each device goes if it stays unused.
    const list = await raw(server, 'GET', '/devices', { token: phone.session.tokens.accessToken });
    const row = list.body.devices.find((d: { deviceId: string }) => d.deviceId === desktop.deviceId);
    expect(row.expiresAt).toBe(new Date(seen.getTime() + 30 * DAY).toISOString());

    // The account is at its cap (phone + desktop): a second phone can't sign in.
    const login = () =>
      signIn(server.client(), {
        username: phone.session.username,
        password: phone.password,
        device: { name: 'Second phone', platform: 'ios' },
      });
    await expect(login()).rejects.toMatchObject({ code: 'device_limit' });

    // The phone keeps a stream open (in use, though it calls nothing): it is never expired meanwhile.
    const phoneStream = await openSse(server.url, 'from=now', {
      authorization: `Bearer ${phone.session.tokens.accessToken}`,
    });
    expect(await phoneStream.next()).toMatchObject({ event: 'connected' });

    now = seen.getTime() + 29 * DAY;
    expect(await server.server.inactivity.sweep()).toEqual([]);

    now = seen.getTime() + 30 * DAY + 1000;
    expect(await server.server.inactivity.sweep()).toEqual([desktop.deviceId]);
    expect(await db.device.findUniqueOrThrow({ where: { id: desktop.deviceId } })).toMatchObject({
      revokedReason: 'inactive',
      revokedAt: new Date(now),
    });
    expect(await db.session.count({ where: { deviceId: desktop.deviceId, revokedAt: null } })).toBe(0);
    // The phone is still linked (its stream marked it seen), and heard the unlink on its stream.
    expect(await db.device.findUniqueOrThrow({ where: { id: phone.session.deviceId } })).toMatchObject({
      revokedAt: null,
    });
    expect(await phoneStream.next()).toMatchObject({ event: 'device:revoked', data: { deviceId: desktop.deviceId } });
    phoneStream.close();

    // The desktop, back after all, is told why: unlinked for inactivity, not by a user.
    expect(await raw(server, 'GET', '/me', { token: desktop.accessToken })).toMatchObject({
      status: 403,
      body: { error: { code: 'device_revoked', reason: 'inactive' } },
    });
    // Its slot is free: the second phone signs in now.
    await expect(login()).resolves.toMatchObject({ username: phone.session.username });
    // The second phone was made at the database's own (real) time: with the clock back there, a second
    // sweep finds nothing more to do — the desktop isn't unlinked twice, the phones stay.
    now = Date.now();
    expect(await server.server.inactivity.sweep()).toEqual([]);
  });

  it('a request marks the device seen: its expiry moves on', async () => {
    now = Date.now();
    const phone = await signUpPhone(server, 'active');
    const desktop = await linkDesktopDirectly(server, phone.session.userId);
    const { db } = server.server.deps;
    // Last seen 40 days ago as far as the database knows...
    await db.device.update({ where: { id: desktop.deviceId }, data: { lastSeenAt: new Date(now - 40 * DAY) } });
    // ...then it calls (lastSeenAt is written at most once a minute, and 40 days is more than that).
    expect((await raw(server, 'GET', '/me', { token: desktop.accessToken })).status).toBe(200);
    expect(await server.server.inactivity.sweep()).not.toContain(desktop.deviceId);
  });
});

describe('DEVICE_INACTIVITY_DAYS=0 never expires, and the sweep runs at startup', () => {
  it('0: nothing is unlinked even after years, and the list says no expiry', async () => {
    let now = Date.now();
    const server = await startTestServer({ DEVICE_INACTIVITY_DAYS: '0' }, {}, { clock: () => new Date(now) });
    try {
      const phone = await signUpPhone(server, 'forever');
      const desktop = await linkDesktopDirectly(server, phone.session.userId);
      now += 3000 * DAY;
      expect(await server.server.inactivity.sweep()).toEqual([]);
      const list = await raw(server, 'GET', '/devices', { token: phone.session.tokens.accessToken });
      expect(list.body.devices.map((d: { expiresAt: unknown }) => d.expiresAt)).toEqual([null, null]);
      expect((await raw(server, 'GET', '/me', { token: desktop.accessToken })).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('a server started after the devices went unseen for too long unlinks them at once', async () => {
    const first = await startTestServer({ DEVICE_INACTIVITY_DAYS: '30' });
    const phone = await signUpPhone(first, 'startup');
    const desktop = await linkDesktopDirectly(first, phone.session.userId);
    await first.stop({ keepData: true });
    const later = Date.now() + 31 * DAY;
    const server = await startTestServer(
      { DEVICE_INACTIVITY_DAYS: '30' },
      { dataDir: first.dataDir },
      { clock: () => new Date(later) },
    );
    try {
      const { db } = server.server.deps;
      const deadline = Date.now() + 10_000;
      while ((await db.device.count({ where: { userId: phone.session.userId, revokedAt: null } })) > 0) {
        if (Date.now() > deadline) throw new Error('the startup sweep did not unlink the devices');
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(await db.device.findUniqueOrThrow({ where: { id: desktop.deviceId } })).toMatchObject({
        revokedReason: 'inactive',
      });
    } finally {
      await server.stop();
    }
  });
});
