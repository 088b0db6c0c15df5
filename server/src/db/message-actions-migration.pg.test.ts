import { usePostgresBeforeMigration } from '../../test/support/pg-database';
import { laterMigrations, MESSAGE_ACTIONS_MIGRATION } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

describe('message_actions migration (PostgreSQL)', () => {
  // Needs PostgreSQL at PG_ADMIN_URL (default: the local server). Run with `npm run test:pg`.
  const before = usePostgresBeforeMigration('message-actions-migration', MESSAGE_ACTIONS_MIGRATION);

  it('keeps every message as it was (never edited, not deleted); edits and hides then attach to it', async () => {
    const { url, db } = before();
    await db.query(
      `INSERT INTO "User" (id, username, "kdfSalt", "kdfOpsLimit", "kdfMemLimit", "authKeyHash", "wrappedMasterKey", "identityPublicKey", "wrappedIdentitySecretKey")
         VALUES ('u1', 'alice', 'salt', 2, 8192, 'hash', 'v1.mk', 'idpub', 'v1.idsec')`,
    );
    await db.query(
      `INSERT INTO "Device" (id, "userId", name, platform, kind) VALUES ('d1', 'u1', 'phone', 'ios', 'phone')`,
    );
    await db.query(`INSERT INTO "Chat" (id, "createdByUserId", "encryptedMeta") VALUES ('c1', 'u1', 'meta')`);
    await db.query(
      `INSERT INTO "Message" (id, "chatId", "senderUserId", "senderDeviceId", "clientKey", ciphertext, size, status)
         VALUES ('m1', 'c1', 'u1', 'd1', 'k1', 'v1.body', 7, 'read')`,
    );

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
