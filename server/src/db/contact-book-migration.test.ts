import Database from 'better-sqlite3';
import { CONTACT_BOOK_MIGRATION, useSqliteBeforeMigration } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

const current = useSqliteBeforeMigration('contact-book-migration', CONTACT_BOOK_MIGRATION);

describe('contact_book migration (SQLite)', () => {
  it('adds the ContactBook table to a database of the previous schema, keeping its users and settings', async () => {
    const { file, url, pending } = current();
    const db = new Database(file);
    db.prepare(
      `INSERT INTO "User" (id, username, kdfSalt, kdfOpsLimit, kdfMemLimit, authKeyHash, wrappedMasterKey, identityPublicKey, wrappedIdentitySecretKey)
       VALUES ('u1', 'alice', 's', 1, 1, 'h', 'w', 'k', 'ws')`,
    ).run();
    db.prepare(
      `INSERT INTO "UserSettings" (userId, ciphertext, version, updatedByDeviceId) VALUES ('u1', 'v1.settings', 3, 'd1')`,
    ).run();
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'ContactBook'`).get()).toBeUndefined();
    db.close();

    expect(await applyPendingMigrations(url)).toEqual(pending);

    const after = new Database(file);
    try {
      expect(after.prepare('SELECT id, username FROM "User"').all()).toEqual([{ id: 'u1', username: 'alice' }]);
      expect(after.prepare('SELECT version FROM "UserSettings"').get()).toEqual({ version: 3 });
      after
        .prepare(
          `INSERT INTO "ContactBook" (userId, ciphertext, version, updatedByDeviceId) VALUES ('u1', 'v1.book', 1, 'd1')`,
        )
        .run();
      // A user's book goes with the user.
      after.pragma('foreign_keys = ON');
      after.prepare(`DELETE FROM "User" WHERE id = 'u1'`).run();
      expect(after.prepare('SELECT COUNT(*) AS n FROM "ContactBook"').get()).toEqual({ n: 0 });
    } finally {
      after.close();
    }
  });
});
