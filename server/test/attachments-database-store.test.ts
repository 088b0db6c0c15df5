import { initCrypto } from '../../common/crypto';
import { databaseStoreScenarios } from './support/database-store-scenarios';
import { startTestServer, type TestServer } from './support/test-server';

/** ATTACHMENT_STORE=database on the embedded SQLite (one instance); the PostgreSQL run shares it between two. */
describe('attachment blobs in the database (SQLite)', () => {
  let server: TestServer;
  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer({ ATTACHMENT_STORE: 'database' });
  });
  afterAll(() => server.stop());
  databaseStoreScenarios(() => ({ a: server, b: server }));
});
