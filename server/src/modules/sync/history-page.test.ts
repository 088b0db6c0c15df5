import { initCrypto } from '../../../../common/crypto';
import { historyPageScenarios } from '../../../test/support/history-page-scenario';
import { startTestServer, type TestServer } from '../../../test/support/test-server';

/** The fresh sync's raw page query on SQLite (history-page.pg.test.ts: the same on PostgreSQL). */
describe('readHistoryPage on SQLite', () => {
  let server: TestServer;
  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  historyPageScenarios(() => server);
});
