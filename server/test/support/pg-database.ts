import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { initCrypto } from '../../../common/crypto';
import { applyMigrations } from '../../../prisma/engine/schema-engine';
import { laterMigrations, migrationsBefore } from './migrations-before';
import { startTestServer, type TestServer } from './test-server';

/** The PostgreSQL server tests use (`npm run test:pg`): the local one with trust auth, or PG_ADMIN_URL. */
export const PG_ADMIN_URL = process.env.PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  readonly name: string;
  /** A DATABASE_URL for the server under test. */
  readonly url: string;
  /** Drops it, even with connections still open. */
  drop(): Promise<void>;
}

async function asAdmin(sql: string): Promise<void> {
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/**
 * A fresh, empty database per test run (the server's createDb ignores `?schema=` for PostgreSQL, so a
 * schema per run would not isolate anything).
 */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const name = `${prefix}_${process.pid}_${Date.now()}`;
  await asAdmin(`CREATE DATABASE "${name}"`);
  return {
    name,
    url: PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`),
    drop: () => asAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

/**
 * For a describe block: a fresh PostgreSQL database and the real server on it, started before the tests
 * and dropped after. Read `current()` inside tests (the hooks fill it in).
 */
export function usePostgresServer(
  prefix: string,
  env: Record<string, string> = {},
): () => { server: TestServer; database: TestDatabase } {
  let database: TestDatabase | undefined;
  let server: TestServer | undefined;
  beforeAll(async () => {
    await initCrypto();
    database = await createTestDatabase(prefix);
    server = await startTestServer({ ...env, DATABASE_URL: database.url });
  });
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });
  return () => {
    if (!server || !database) throw new Error('usePostgresServer: the server is started in beforeAll');
    return { server, database };
  };
}

/**
 * For a describe block: a fresh, empty database and a scratch directory, made before the tests and
 * removed after. Read `current()` inside tests (the hooks fill it in).
 */
export function useTestDatabase(prefix: string): () => { database: TestDatabase; scratch: string } {
  let database: TestDatabase | undefined;
  let scratch: string | undefined;
  beforeAll(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    database = await createTestDatabase(prefix);
  });
  afterAll(async () => {
    await database?.drop();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });
  return () => {
    if (!database || !scratch) throw new Error('useTestDatabase: the database is made in beforeAll');
    return { database, scratch };
  };
}

export interface DatabaseBeforeMigration {
  readonly url: string;
  /** A client on the database, connected for the whole describe block. */
  readonly db: Client;
  /** The migrations still to apply: the one under test, then every later one, in order. */
  readonly pending: readonly string[];
}

/**
 * For a migration test: a fresh database with the committed PostgreSQL migrations applied up to just
 * before `migration`, and a client on it to write the old rows. The test then applies the rest with
 * `applyPendingMigrations(url)` (the server's own upgrade path) and reads what the migration left.
 */
export function usePostgresBeforeMigration(prefix: string, migration: string): () => DatabaseBeforeMigration {
  let database: TestDatabase | undefined;
  let scratch: string | undefined;
  let before: DatabaseBeforeMigration | undefined;
  beforeAll(async () => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    database = await createTestDatabase(prefix);
    await applyMigrations({
      provider: 'postgresql',
      url: database.url,
      migrationsDir: migrationsBefore('postgresql', migration, path.join(scratch, 'before')),
    });
    const db = new Client({ connectionString: database.url });
    await db.connect();
    before = { url: database.url, db, pending: [migration, ...laterMigrations('postgresql', migration)] };
  });
  // One hook, in this order: the client ends before its database is dropped under it.
  afterAll(async () => {
    await before?.db.end();
    await database?.drop();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });
  return () => {
    if (!before) throw new Error('usePostgresBeforeMigration: the database is migrated in beforeAll');
    return before;
  };
}
