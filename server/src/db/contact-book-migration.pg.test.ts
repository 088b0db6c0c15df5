import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { applyMigrations } from '../../../prisma/engine/schema-engine';
import { CONTACT_BOOK_MIGRATION, laterMigrations, migrationsBefore } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

// Needs PostgreSQL at PG_ADMIN_URL (default: the local server, trust auth). Run with `npm run test:pg`.
const adminUrl = process.env.PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const database = `symc_test_contacts_${randomBytes(6).toString('hex')}`;
const admin = new Client({ connectionString: adminUrl });
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'contact-book-pg-'));
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
});

afterAll(async () => {
  await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await admin.end();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('contact_book migration (PostgreSQL)', () => {
  it('adds the ContactBook table to a database of the previous schema, keeping its users', async () => {
    const u = new URL(adminUrl);
    u.pathname = `/${database}`;
    const url = u.toString();
    await applyMigrations({
      provider: 'postgresql',
      url,
      migrationsDir: migrationsBefore('postgresql', CONTACT_BOOK_MIGRATION, path.join(tmp, 'before')),
    });
    const db = new Client({ connectionString: url });
    await db.connect();
    try {
      await db.query(
        `INSERT INTO "User" (id, username, "kdfSalt", "kdfOpsLimit", "kdfMemLimit", "authKeyHash", "wrappedMasterKey", "identityPublicKey", "wrappedIdentitySecretKey")
         VALUES ('u1', 'alice', 's', 1, 1, 'h', 'w', 'k', 'ws')`,
      );
      expect(await applyPendingMigrations(url)).toEqual([
        CONTACT_BOOK_MIGRATION,
        ...laterMigrations('postgresql', CONTACT_BOOK_MIGRATION),
      ]);
      expect((await db.query('SELECT id, username FROM "User"')).rows).toEqual([{ id: 'u1', username: 'alice' }]);
      await db.query(
        `INSERT INTO "ContactBook" ("userId", ciphertext, version, "updatedByDeviceId") VALUES ('u1', 'v1.book', 1, 'd1')`,
      );
      await db.query(`DELETE FROM "User" WHERE id = 'u1'`);
      expect((await db.query('SELECT COUNT(*)::int AS n FROM "ContactBook"')).rows).toEqual([{ n: 0 }]);
    } finally {
      await db.end();
    }
  });
});
