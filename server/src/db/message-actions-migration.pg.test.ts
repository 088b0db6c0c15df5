import { usePostgresBeforeMigration } from '../../test/support/pg-database';
import { laterMigrations, MESSAGE_ACTIONS_MIGRATION } from '../../test/support/migrations-before';
import { insertOneReadMessage } from '../../test/support/pg-seed-rows';
import { applyPendingMigrations } from './migrate';

describe('message_actions migration (PostgreSQL)', () => {
  // Needs PostgreSQL at PG_ADMIN_URL (default: the local server). Run with `npm run test:pg`.
  const before = usePostgresBeforeMigration('message-actions-migration', MESSAGE_ACTIONS_MIGRATION);

  it('keeps every message as it was (never edited, not deleted); edits and hides then attach to it', async () => {
    const { url, db } = before();
    await insertOneReadMessage(db);

    expect(await applyPendingMigrations(url)).toEqual([
      MESSAGE_ACTIONS_MIGRATION,
      ...laterMigrations('postgresql', MESSAGE_ACTIONS_MIGRATION),
    ]);

    const { rows } = await db.query(
      'SELECT id, ciphertext, size, status, "editVersion", "editCiphertext", "editedAt", "deletedAt" FROM "Message"',
    );
    expect(rows).toEqual([
      {
        id: 'm1',
        ciphertext: 'v1.body',
        size: 7,
        status: 'read',
        editVersion: 0,
        editCiphertext: null,
        editedAt: null,
        deletedAt: null,
      },
    ]);
    await db.query(
      `INSERT INTO "MessageEdit" ("messageId", version, "senderDeviceId", ciphertext, size) VALUES ('m1', 1, 'd1', 'v1.e', 4)`,
    );
    await db.query(`INSERT INTO "HiddenMessage" ("userId", "messageId", "chatId") VALUES ('u1', 'm1', 'c1')`);
    await db.query(`DELETE FROM "Message" WHERE id = 'm1'`);
    expect((await db.query('SELECT count(*)::int AS n FROM "MessageEdit"')).rows).toEqual([{ n: 0 }]);
    expect((await db.query('SELECT count(*)::int AS n FROM "HiddenMessage"')).rows).toEqual([{ n: 0 }]);
  });
});
