import { linkDesktopDirectly } from './support/desktop-fixture';
import { usePostgresServer } from './support/pg-database';
import { raw, signUpPhone } from './support/phone';

const DAY = 86_400_000;

/** The inactivity sweep on PostgreSQL: the same unlink, reason and change-log event as on SQLite. */
describe('device inactivity sweep (PostgreSQL)', () => {
  const pg = usePostgresServer('symc_inactivity', { DEVICE_INACTIVITY_DAYS: '30' });

  it('unlinks a device last seen 31 days ago, keeps one seen 29 days ago', async () => {
    const { server } = pg();
    const { db } = server.server.deps;
    const phone = await signUpPhone(server, 'pgsweep');
    const stale = await linkDesktopDirectly(server, phone.session.userId);
    const recent = await linkDesktopDirectly(server, phone.session.userId);
    await db.device.update({ where: { id: stale.deviceId }, data: { lastSeenAt: new Date(Date.now() - 31 * DAY) } });
    await db.device.update({ where: { id: recent.deviceId }, data: { lastSeenAt: new Date(Date.now() - 29 * DAY) } });
    const seqBefore = (await db.user.findUniqueOrThrow({ where: { id: phone.session.userId } })).lastSeq;

    expect(await server.server.inactivity.sweep()).toEqual([stale.deviceId]);
    expect(await db.device.findUniqueOrThrow({ where: { id: stale.deviceId } })).toMatchObject({
      revokedReason: 'inactive',
    });
    expect(await db.device.findUniqueOrThrow({ where: { id: recent.deviceId } })).toMatchObject({ revokedAt: null });
    const user = await db.user.findUniqueOrThrow({ where: { id: phone.session.userId } });
    expect(user.lastSeq).toBe(seqBefore + 1);
    expect(await raw(server, 'GET', '/me', { token: stale.accessToken })).toMatchObject({
      status: 403,
      body: { error: { code: 'device_revoked', reason: 'inactive' } },
    });
    expect((await raw(server, 'GET', '/me', { token: recent.accessToken })).status).toBe(200);
  });
});
