import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { applyMigrations, diffMigrationsToSchema, migrationStatus, readMigrationsList } from './schema-engine';

// Needs PostgreSQL at PG_ADMIN_URL (default: the local server, trust auth). Run with `npm run test:pg`.
const adminUrl = process.env.PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const root = path.resolve(__dirname, '..', '..');
const migrationsDir = path.join(root, 'prisma', 'postgres', 'migrations');
const schemaPath = path.join(root, 'prisma', 'postgres', 'schema.prisma');

const database = `symc_test_engine_${randomBytes(6).toString('hex')}`;
const url = (() => {
  const u = new URL(adminUrl);
  u.pathname = `/${database}`;
  return u.toString();
})();
const admin = new Client({ connectionString: adminUrl });

async function shadowDatabases(): Promise<string[]> {
  const { rows } = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE 'prisma_shadow_%'`,
  );
  return rows.map((r) => r.datname);
}

beforeAll(async () => {
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
});

afterAll(async () => {
  await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await admin.end();
});

describe('schema engine on PostgreSQL', () => {
  it('applies prisma/postgres/migrations to a fresh database once, then has nothing to apply', async () => {
    const committed = readMigrationsList(migrationsDir).migrationDirectories.map((d) => d.path);
    expect(committed.length).toBeGreaterThan(0);

    expect(await applyMigrations({ provider: 'postgresql', url, migrationsDir })).toEqual(committed);
    expect(await applyMigrations({ provider: 'postgresql', url, migrationsDir })).toEqual([]);

    const db = new Client({ connectionString: url });
    await db.connect();
    try {
      const applied = await db.query<{ migration_name: string }>(
        `SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
      );
      expect(applied.rows.map((r) => r.migration_name)).toEqual(committed);
      const tables = await db.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
      );
      const models = [...fs.readFileSync(schemaPath, 'utf8').matchAll(/^model\s+(\w+)\s*\{/gm)].map((m) => m[1]);
      expect(tables.rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['_prisma_migrations', ...models]));
    } finally {
      await db.end();
    }

    expect(await migrationStatus({ provider: 'postgresql', url, migrationsDir })).toMatchObject({
      hasMigrationsTable: true,
      history: null,
    });
  });

  it('has a migration for every change of prisma/postgres/schema.prisma (no drift), and drops its shadow database', async () => {
    const before = await shadowDatabases();
    const missing = await diffMigrationsToSchema({ provider: 'postgresql', url, schemaPath, migrationsDir });
    if (missing !== null) {
      throw new Error(
        `prisma/postgres/schema.prisma has changes no migration covers; run \`npm run db:migrate:create <name>\`:\n${missing}`,
      );
    }
    expect(await shadowDatabases()).toEqual(before);
  });
});
