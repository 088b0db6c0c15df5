import { usePostgresBeforeMigration } from '../../test/support/pg-database';
import { laterMigrations, MESSAGE_RECEIPTS_MIGRATION } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

describe('message_receipts migration (PostgreSQL)', () => {
  // Needs PostgreSQL at PG_ADMIN_URL (default: the local server). Run with `npm run test:pg`.
  const before = usePostgresBeforeMigration('message-receipts-migration', MESSAGE_RECEIPTS_MIGRATION);

  it('keeps each message and its one status; receipts then attach to it and go with it', async () => {
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
