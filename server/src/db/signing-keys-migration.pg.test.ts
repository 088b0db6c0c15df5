import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { applyMigrations } from '../../../prisma/engine/schema-engine';
import { laterMigrations, migrationsBefore, SIGNING_KEYS_MIGRATION } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

// Needs PostgreSQL at PG_ADMIN_URL (default: the local server, trust auth). Run with `npm run test:pg`.
const adminUrl = process.env.PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const database = `symc_test_signing_${randomBytes(6).toString('hex')}`;
const admin = new Client({ connectionString: adminUrl });
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'signing-keys-pg-'));
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
});

afterAll(async () => {
  await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await admin.end();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('signing_keys migration (PostgreSQL)', () => {
  it('keeps every existing account as it was, with no signing key until its phone uploads one', async () => {
    const u = new URL(adminUrl);
    u.pathname = `/${database}`;
    const url = u.toString();
    await applyMigrations({
      provider: 'postgresql',
      url,
      migrationsDir: migrationsBefore('postgresql', SIGNING_KEYS_MIGRATION, path.join(tmp, 'before')),
    });
    const db = new Client({ connectionString: url });
    await db.connect();
    try {
      await db.query(
        `INSERT INTO "User" (id, username, "kdfSalt", "kdfOpsLimit", "kdfMemLimit", "authKeyHash", "wrappedMasterKey", "identityPublicKey", "wrappedIdentitySecretKey", "lastSeq")
         VALUES ('u1', 'alice', 'salt', 2, 8192, 'hash', 'v1.mk', 'idpub', 'v1.idsec', 7)`,
      );

      expect(await applyPendingMigrations(url)).toEqual([
        SIGNING_KEYS_MIGRATION,
        ...laterMigrations('postgresql', SIGNING_KEYS_MIGRATION),
      ]);

      const { rows } = await db.query(
        'SELECT id, username, "identityPublicKey", "lastSeq", "signingPublicKey", "wrappedSigningSecretKey" FROM "User"',
      );
      expect(rows).toEqual([
        {
          id: 'u1',
          username: 'alice',
          identityPublicKey: 'idpub',
          lastSeq: 7,
          signingPublicKey: null,
          wrappedSigningSecretKey: null,
        },
      ]);
    } finally {
      await db.end();
    }
  });
});
