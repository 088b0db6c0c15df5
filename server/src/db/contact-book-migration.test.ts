import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyMigrations } from '../../../prisma/engine/schema-engine';
import { CONTACT_BOOK_MIGRATION, laterMigrations, migrationsBefore } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

describe('contact_book migration (SQLite)', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'contact-book-migration-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('adds the ContactBook table to a database of the previous schema, keeping its users and settings', async () => {
    const file = path.join(tmp, 'symc.db');
    const url = `file:${file}`;
    await applyMigrations({
      provider: 'sqlite',
      url,
      migrationsDir: migrationsBefore('sqlite', CONTACT_BOOK_MIGRATION, path.join(tmp, 'before')),
    });
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

    expect(await applyPendingMigrations(url)).toEqual([
      CONTACT_BOOK_MIGRATION,
      ...laterMigrations('sqlite', CONTACT_BOOK_MIGRATION),
    ]);

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
