import { initCrypto } from '../../common/crypto';
import { signIn } from '../../mobile-pairing/src/core/account';
import { linkDesktopDirectly } from './support/desktop-fixture';
import { dbSnapshot } from './support/db-snapshot';
import { raw, signUpPhone } from './support/phone';
import { startTestServer, type TestServer } from './support/test-server';

let server: TestServer;
beforeAll(async () => {
  await initCrypto();
  server = await startTestServer();
});
afterAll(() => server.stop());

describe('devices', () => {
  it('lists the account’s devices and marks the current one', async () => {
    const { session, api } = await signUpPhone(server, 'lister');
    const desktop = await linkDesktopDirectly(server, session.userId);
    const { devices } = await api.call('listDevices', {});
    expect(devices.map((d) => [d.kind, d.current])).toEqual([
      ['phone', true],
      ['desktop', false],
    ]);
    expect(devices[1]?.deviceId).toBe(desktop.deviceId);
  });

  it('when the phone unlinks the desktop, the desktop’s next request is refused and its refresh fails', async () => {
    const { session, api } = await signUpPhone(server, 'unlinker');
    const desktop = await linkDesktopDirectly(server, session.userId);
    expect((await desktop.api.call('me', {})).deviceId).toBe(desktop.deviceId);
    await api.call('revokeDevice', { params: { deviceId: desktop.deviceId } });
    await expect(desktop.api.call('me', {})).rejects.toMatchObject({ status: 403, code: 'device_revoked' });
    expect((await api.call('listDevices', {})).devices.map((d) => d.deviceId)).toEqual([session.deviceId]);
    const log = await server.server.deps.db.changeLog.findMany({
      where: { userId: session.userId, kind: 'device:revoked' },
    });
    expect(log.map((c) => c.entityId)).toEqual([desktop.deviceId]);
  });

  it('a desktop may unlink itself but not another device (403)', async () => {
    const { session } = await signUpPhone(server, 'selfunlink');
    const desktop = await linkDesktopDirectly(server, session.userId);
    const before = dbSnapshot(server.dbFile);
    const res = await raw(server, 'DELETE', `/devices/${session.deviceId}`, { token: desktop.accessToken });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
    expect(dbSnapshot(server.dbFile)).toEqual(before);
    await desktop.api.call('revokeDevice', { params: { deviceId: desktop.deviceId } });
    await expect(desktop.api.call('me', {})).rejects.toMatchObject({ status: 403, code: 'device_revoked' });
  });

  it('another user’s device id answers 404 and nothing changes', async () => {
    const a = await signUpPhone(server, 'owner');
    const b = await signUpPhone(server, 'stranger');
    const before = dbSnapshot(server.dbFile);
    const res = await raw(server, 'DELETE', `/devices/${a.session.deviceId}`, { token: b.session.tokens.accessToken });
    expect(res.status).toBe(404);
    expect((await raw(server, 'DELETE', '/devices/not-a-uuid', { token: b.session.tokens.accessToken })).status).toBe(
      400,
    );
    expect(dbSnapshot(server.dbFile)).toEqual(before);
  });

  it('a second phone of the same account can unlink the first', async () => {
    const { session, password } = await signUpPhone(server, 'twophones');
    const second = await signIn(server.client(), {
      username: session.username,
      password,
      device: { name: 'second', platform: 'android' },
    });
    await server
      .client(() => second.tokens.accessToken)
      .call('revokeDevice', { params: { deviceId: session.deviceId } });
    const res = await raw(server, 'GET', '/me', { token: session.tokens.accessToken });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('device_revoked');
    const refreshed = await raw(server, 'POST', '/auth/refresh', {
      body: { refreshToken: session.tokens.refreshToken },
    });
    expect(refreshed.status).toBe(403);
  });
});
