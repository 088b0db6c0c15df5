import { historyPageScenarios } from '../../../test/support/history-page-scenario';
import { usePostgresServer } from '../../../test/support/pg-database';

/** The fresh sync's raw page query on PostgreSQL (history-page.test.ts: the same on SQLite). */
describe('readHistoryPage on PostgreSQL', () => {
  const pg = usePostgresServer('symc_history_page');
  historyPageScenarios(() => pg().server);
});
