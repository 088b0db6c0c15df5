import { usePostgresBeforeMigration } from '../../test/support/pg-database';
import { CHAT_KEY_VERSIONS_MIGRATION, laterMigrations } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

describe('chat_key_versions migration (PostgreSQL)', () => {
  // Needs PostgreSQL at PG_ADMIN_URL (default: the local server). Run with `npm run test:pg`.
  const before = usePostgresBeforeMigration('chat-key-versions-migration', CHAT_KEY_VERSIONS_MIGRATION);

  it('makes every existing chat key version 1 and copies each member key', async () => {
    const { url, db } = before();
    for (const [id, name] of [
      ['u1', 'alice'],
      ['u2', 'bob'],
    ])
      await db.query(
        `INSERT INTO "User" (id, username, "kdfSalt", "kdfOpsLimit", "kdfMemLimit", "authKeyHash", "wrappedMasterKey", "identityPublicKey", "wrappedIdentitySecretKey")
           VALUES ($1, $2, 'salt', 2, 8192, 'hash', 'v1.mk', 'idpub', 'v1.idsec')`,
        [id, name],
      );
    await db.query(
      `INSERT INTO "Device" (id, "userId", kind, name, platform) VALUES ('d1', 'u1', 'phone', 'p', 'web')`,
    );
    await db.query(`INSERT INTO "Chat" (id, "createdByUserId", "encryptedMeta") VALUES ('c1', 'u1', 'v1.meta')`);
    await db.query(
      `INSERT INTO "ChatMember" ("chatId", "userId", role, "wrappedChatKey") VALUES ('c1', 'u1', 'owner', 'v1.wrapped')`,
    );
    await db.query(
      `INSERT INTO "ChatMember" ("chatId", "userId", role, "sealedChatKey") VALUES ('c1', 'u2', 'member', 'sealed')`,
    );
    await db.query(
      `INSERT INTO "Message" (id, "chatId", "senderUserId", "senderDeviceId", "clientKey", ciphertext, size) VALUES ('m1', 'c1', 'u1', 'd1', 'k1', 'v1.body', 7)`,
    );

    expect(await applyPendingMigrations(url)).toEqual([
      CHAT_KEY_VERSIONS_MIGRATION,
      ...laterMigrations('postgresql', CHAT_KEY_VERSIONS_MIGRATION),
    ]);

    expect((await db.query('SELECT id, "keyVersion", "rotationDue" FROM "Chat"')).rows).toEqual([
      { id: 'c1', keyVersion: 1, rotationDue: false },
    ]);
    expect((await db.query('SELECT id, "keyVersion" FROM "Message"')).rows).toEqual([{ id: 'm1', keyVersion: 1 }]);
    expect(
      (
        await db.query(
          'SELECT "userId", "keyVersion", "wrappedChatKey", "sealedChatKey" FROM "ChatKeyCopy" ORDER BY "userId"',
        )
      ).rows,
    ).toEqual([
      { userId: 'u1', keyVersion: 1, wrappedChatKey: 'v1.wrapped', sealedChatKey: null },
      { userId: 'u2', keyVersion: 1, wrappedChatKey: null, sealedChatKey: 'sealed' },
    ]);
  });
});
