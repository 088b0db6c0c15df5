import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { applyMigrations } from '../../../prisma/engine/schema-engine';
import { DEVICE_INACTIVITY_MIGRATION, laterMigrations, migrationsBefore } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

// Needs PostgreSQL at PG_ADMIN_URL (default: the local server, trust auth). Run with `npm run test:pg`.
const adminUrl = process.env.PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const database = `symc_test_inactivity_${randomBytes(6).toString('hex')}`;
const admin = new Client({ connectionString: adminUrl });
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'device-inactivity-pg-'));
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
});

afterAll(async () => {
  await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await admin.end();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('device_inactivity_expiry migration (PostgreSQL)', () => {
  it('keeps every device as it was (linked or unlinked), with no revoke reason; the sweep index exists', async () => {
    const u = new URL(adminUrl);
    u.pathname = `/${database}`;
    const url = u.toString();
    await applyMigrations({
      provider: 'postgresql',
      url,
      migrationsDir: migrationsBefore('postgresql', DEVICE_INACTIVITY_MIGRATION, path.join(tmp, 'before')),
    });
    const db = new Client({ connectionString: url });
    await db.connect();
    try {
      await db.query(
        `INSERT INTO "User" (id, username, "kdfSalt", "kdfOpsLimit", "kdfMemLimit", "authKeyHash", "wrappedMasterKey", "identityPublicKey", "wrappedIdentitySecretKey", "lastSeq")
         VALUES ('u1', 'alice', 'salt', 2, 8192, 'hash', 'v1.mk', 'idpub', 'v1.idsec', 7)`,
      );
      await db.query(
        `INSERT INTO "Device" (id, "userId", kind, name, platform, "lastSeenAt", "revokedAt", "syncCursor")
         VALUES ('d1', 'u1', 'desktop', 'Laptop', 'linux', '2026-11-01T00:00:00Z', NULL, 5),
                ('d2', 'u1', 'desktop', 'Old PC', 'windows', '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', NULL)`,
      );

      expect(await applyPendingMigrations(url)).toEqual([
        DEVICE_INACTIVITY_MIGRATION,
        ...laterMigrations('postgresql', DEVICE_INACTIVITY_MIGRATION),
      ]);

      const { rows } = await db.query(
        'SELECT id, "revokedAt" IS NULL AS linked, "syncCursor", "revokedReason" FROM "Device" ORDER BY id',
      );
      expect(rows).toEqual([
        { id: 'd1', linked: true, syncCursor: 5, revokedReason: null },
        { id: 'd2', linked: false, syncCursor: null, revokedReason: null },
      ]);
      const index = await db.query(`SELECT indexname FROM pg_indexes WHERE indexname = 'Device_lastSeenAt_idx'`);
      expect(index.rows).toEqual([{ indexname: 'Device_lastSeenAt_idx' }]);
    } finally {
      await db.end();
    }
  });
});
