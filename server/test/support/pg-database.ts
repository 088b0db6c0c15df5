import { Client } from 'pg';
import { initCrypto } from '../../../common/crypto';
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
