import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { applyPendingMigrations } from './migrate';

// Needs PostgreSQL at PG_ADMIN_URL (default: the local server, trust auth). Run with `npm run test:pg`.
const adminUrl = process.env.PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const database = `symc_test_migrate_${randomBytes(6).toString('hex')}`;
const admin = new Client({ connectionString: adminUrl });

beforeAll(async () => {
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
});

afterAll(async () => {
  await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await admin.end();
});

describe('applyPendingMigrations (PostgreSQL)', () => {
  it('applies prisma/postgres/migrations for a postgresql:// URL, then nothing', async () => {
    const u = new URL(adminUrl);
    u.pathname = `/${database}`;
    const applied = await applyPendingMigrations(u.toString());
    expect(applied.length).toBeGreaterThan(0);
    expect(applied.every((name) => /^\d{14}_\w+$/.test(name))).toBe(true);
    // The postgres:// spelling selects the same provider.
    expect(await applyPendingMigrations(u.toString().replace(/^postgresql:/, 'postgres:'))).toEqual([]);
  });
});
