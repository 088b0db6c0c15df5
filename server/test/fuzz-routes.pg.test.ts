import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from './support/pg-database';
import { describeRouteFuzzing, FUZZ_ENV } from './support/route-fuzzer';
import { startTestServer } from './support/test-server';

/** The same fuzzing on PostgreSQL, which refuses what SQLite stores silently (NUL, 32-bit overflows). */
let database: TestDatabase | undefined;
afterAll(() => database?.drop());

describeRouteFuzzing(
  'fuzzing every HTTP route of the contract (PostgreSQL)',
  async () => {
    database = await createTestDatabase('symc_fuzz');
    return startTestServer({ ...FUZZ_ENV, DATABASE_URL: database.url });
  },
  async () => {
    // Every foreign key holds: a message without its chat, a session without its device would show here.
    const client = new Client({ connectionString: database!.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM "Message" m LEFT JOIN "Chat" c ON c.id = m."chatId" WHERE c.id IS NULL`,
      );
      expect(Number(rows[0]!.n)).toBe(0);
    } finally {
      await client.end();
    }
  },
  // PostgreSQL answers faster here than the SQLite run, so twice the requests fit the same time.
  { runs: 60 },
);
