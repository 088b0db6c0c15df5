import Database from 'better-sqlite3';
import { describeRouteFuzzing, FUZZ_ENV } from './support/route-fuzzer';
import { startTestServer } from './support/test-server';

describeRouteFuzzing(
  'fuzzing every HTTP route of the contract (SQLite)',
  () => startTestServer(FUZZ_ENV),
  async (server) => {
    const db = new Database(server.dbFile, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
    } finally {
      db.close();
    }
  },
);
