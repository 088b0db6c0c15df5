import { usePostgresBeforeMigration } from '../../test/support/pg-database';
import { ATTACHMENTS_MIGRATION } from '../../test/support/attachments-migration';
import { laterMigrations } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

describe('attachments migration (PostgreSQL)', () => {
  // Needs PostgreSQL at PG_ADMIN_URL (default: the local server). Run with `npm run test:pg`.
  const before = usePostgresBeforeMigration('attachments-migration', ATTACHMENTS_MIGRATION);

  it('adds the blob tables to a database of the previous schema, keeping its messages', async () => {
    const { url, db } = before();
    await db.query(
      `INSERT INTO "User" (id, username, "kdfSalt", "kdfOpsLimit", "kdfMemLimit", "authKeyHash", "wrappedMasterKey", "identityPublicKey", "wrappedIdentitySecretKey")
         VALUES ('u1', 'alice', 's', 1, 1, 'h', 'w', 'k', 'ws')`,
    );
    await db.query(
      `INSERT INTO "Device" (id, "userId", kind, name, platform) VALUES ('d1', 'u1', 'phone', 'p', 'ios')`,
    );
    await db.query(`INSERT INTO "Chat" (id, "createdByUserId", "encryptedMeta") VALUES ('c1', 'u1', 'v1.meta')`);
    await db.query(
      `INSERT INTO "Message" (id, "chatId", "senderUserId", "senderDeviceId", "clientKey", ciphertext, size) VALUES ('m1', 'c1', 'u1', 'd1', 'k1', 'v1.body', 7)`,
    );
    expect(await applyPendingMigrations(url)).toEqual([
      ATTACHMENTS_MIGRATION,
      ...laterMigrations('postgresql', ATTACHMENTS_MIGRATION),
    ]);
    expect((await db.query('SELECT id FROM "Message"')).rows).toEqual([{ id: 'm1' }]);
    await db.query(
      `INSERT INTO "Attachment" (id, "ownerUserId", size, status, "messageId", "boundAt") VALUES ('a1', 'u1', 100, 'complete', 'm1', now())`,
    );
    await db.query(
      `INSERT INTO "AttachmentChunk" ("attachmentId", "offset", length, data) VALUES ('a1', 0, 3, '\\x010203'::bytea)`,
    );
    await db.query(`DELETE FROM "Message" WHERE id = 'm1'`);
    expect((await db.query('SELECT "messageId", "boundAt" IS NOT NULL AS bound FROM "Attachment"')).rows).toEqual([
      { messageId: null, bound: true },
    ]);
    await db.query(`DELETE FROM "Attachment" WHERE id = 'a1'`);
    expect((await db.query('SELECT COUNT(*)::int AS n FROM "AttachmentChunk"')).rows).toEqual([{ n: 0 }]);
  });
});
