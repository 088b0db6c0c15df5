import { databaseStoreScenarios } from './support/database-store-scenarios';
import { usePostgresServer } from './support/pg-database';
import { startTestServer, type TestServer } from './support/test-server';

/** Two server instances on one PostgreSQL database with ATTACHMENT_STORE=database: either serves every blob. */
describe('attachment blobs in PostgreSQL, shared by two instances', () => {
  let second: TestServer | undefined;
  // Registered before usePostgresServer's hooks: jest runs afterAll hooks in order, and the second
  // instance must stop before the database is dropped.
  afterAll(() => second?.stop());
  const pg = usePostgresServer('symc_attachments', { ATTACHMENT_STORE: 'database' });
  beforeAll(async () => {
    second = await startTestServer({ ATTACHMENT_STORE: 'database', DATABASE_URL: pg().database.url });
  });
  databaseStoreScenarios(() => ({ a: pg().server, b: second! }));
});
