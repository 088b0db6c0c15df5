import { usePostgresBeforeMigration } from '../../test/support/pg-database';
import { laterMigrations, MESSAGE_RECEIPTS_MIGRATION } from '../../test/support/migrations-before';
import { insertOneReadMessage } from '../../test/support/pg-seed-rows';
import { applyPendingMigrations } from './migrate';

describe('message_receipts migration (PostgreSQL)', () => {
  // Needs PostgreSQL at PG_ADMIN_URL (default: the local server). Run with `npm run test:pg`.
  const before = usePostgresBeforeMigration('message-receipts-migration', MESSAGE_RECEIPTS_MIGRATION);

  it('keeps each message and its one status; receipts then attach to it and go with it', async () => {
    const { url, db } = before();
    await insertOneReadMessage(db);

    expect(await applyPendingMigrations(url)).toEqual([
      MESSAGE_RECEIPTS_MIGRATION,
      ...laterMigrations('postgresql', MESSAGE_RECEIPTS_MIGRATION),
    ]);

    expect((await db.query('SELECT id, status FROM "Message"')).rows).toEqual([{ id: 'm1', status: 'read' }]);
    expect((await db.query('SELECT count(*)::int AS n FROM "MessageReceipt"')).rows).toEqual([{ n: 0 }]);
    await db.query(
      `INSERT INTO "MessageReceipt" ("messageId", "userId", "chatId", "deliveredAt", "readAt") VALUES ('m1', 'u2', 'c1', now(), now())`,
    );
    await db.query(`DELETE FROM "Message" WHERE id = 'm1'`);
    expect((await db.query('SELECT count(*)::int AS n FROM "MessageReceipt"')).rows).toEqual([{ n: 0 }]);
  });
});
