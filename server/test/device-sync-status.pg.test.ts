import { sendText, startChat } from '../../mobile-pairing/src/core/chats';
import { linkDesktopDirectly } from './support/desktop-fixture';
import { usePostgresServer } from './support/pg-database';
import { raw, signUpPhone } from './support/phone';

const DAY = 86_400_000;

/** Acknowledgements, the device list's status and the change-log prune on PostgreSQL: as on SQLite. */
describe('sync status and change-log retention (PostgreSQL)', () => {
  const pg = usePostgresServer('symc_sync_status', { SYNC_ACK_MIN_INTERVAL_MS: '0', CHANGE_LOG_RETENTION_DAYS: '90' });

  it('acknowledged positions move the status; forged and stale ones are refused; the prune drops a prefix', async () => {
    const { server } = pg();
    const { db } = server.server.deps;
    const phone = await signUpPhone(server, 'pgstatus');
    const { chat, chatKey } = await startChat(phone.api, phone.session, { title: 'pg', memberUsernames: [] });
    for (let i = 0; i < 4; i++) await sendText(phone.api, phone.session, chat.chatId, chatKey, `m${i}`);
    const desktop = await linkDesktopDirectly(server, phone.session.userId);
    const head = (await db.user.findUniqueOrThrow({ where: { id: phone.session.userId } })).lastSeq;
    const ack = (position: string) =>
      raw(server, 'POST', '/sync/ack', { token: desktop.accessToken, body: { position } });

    expect(await ack(String(head - 2))).toMatchObject({
      status: 200,
      body: { status: { state: 'behind', changesBehind: 2 } },
    });
    expect(await ack(String(head + 1))).toMatchObject({ status: 422, body: { error: { code: 'invalid_position' } } });
    expect(await ack(String(head - 3))).toMatchObject({ status: 409, body: { error: { code: 'stale_position' } } });
    expect((await db.device.findUniqueOrThrow({ where: { id: desktop.deviceId } })).syncedPosition).toBe(
      String(head - 2),
    );
    const { devices } = await phone.api.call('listDevices', {});
    expect(devices.find((d) => d.deviceId === desktop.deviceId)?.syncStatus).toMatchObject({
      state: 'behind',
      changesBehind: 2,
    });

    // Entries through head - 1 are old: the prefix goes, and the desktop's position is older than the log.
    await db.changeLog.updateMany({
      where: { userId: phone.session.userId, seq: head - 1 },
      data: { createdAt: new Date(Date.now() - 100 * DAY) },
    });
    expect(await server.server.logRetention.prune()).toBe(head - 1);
    expect(await desktop.api.call('getSyncStatus', {})).toMatchObject({ status: { state: 'log_expired' } });
    expect(await ack(String(head))).toMatchObject({ status: 200, body: { status: { state: 'up_to_date' } } });
  });
});
