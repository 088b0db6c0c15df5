import { usePostgresBeforeMigration } from '../../test/support/pg-database';
import { CONTACT_BOOK_MIGRATION } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

// Needs PostgreSQL at PG_ADMIN_URL (default: the local server, trust auth). Run with `npm run test:pg`.
const current = usePostgresBeforeMigration('symc_test_contacts', CONTACT_BOOK_MIGRATION);

describe('contact_book migration (PostgreSQL)', () => {
  it('adds the ContactBook table to a database of the previous schema, keeping its users', async () => {
    const { url, db, pending } = current();
    await db.query(
      `INSERT INTO "User" (id, username, "kdfSalt", "kdfOpsLimit", "kdfMemLimit", "authKeyHash", "wrappedMasterKey", "identityPublicKey", "wrappedIdentitySecretKey")
       VALUES ('u1', 'alice', 's', 1, 1, 'h', 'w', 'k', 'ws')`,
    );
    expect(await applyPendingMigrations(url)).toEqual(pending);
    expect((await db.query('SELECT id, username FROM "User"')).rows).toEqual([{ id: 'u1', username: 'alice' }]);
    await db.query(
      `INSERT INTO "ContactBook" ("userId", ciphertext, version, "updatedByDeviceId") VALUES ('u1', 'v1.book', 1, 'd1')`,
    );
    await db.query(`DELETE FROM "User" WHERE id = 'u1'`);
    expect((await db.query('SELECT COUNT(*)::int AS n FROM "ContactBook"')).rows).toEqual([{ n: 0 }]);
  });
});
