import {
  concurrentAppends,
  concurrentGroupSends,
  expectGapFreeAndConsistent,
  insertUsers,
  readLogs,
} from '../../../test/support/concurrent-sends';
import { usePostgresServer } from '../../../test/support/pg-database';

/**
 * The change log on PostgreSQL, where transactions really run side by side: a multi-row update of
 * overlapping users in different orders would deadlock (PostgreSQL aborts one with 40P01) unless the
 * rows are locked in one order.
 */
describe('appendChange on PostgreSQL', () => {
  const pg = usePostgresServer('symc_changelog');

  it('concurrent group sends with overlapping members all commit, seqs gap-free and in one order', async () => {
    const { server } = pg();
    const { userIds, expected } = await concurrentGroupSends(server, 6, 8);
    const logs = await readLogs(server.server.deps.db, userIds);
    for (const userId of userIds) {
      expect(
        new Set(
          logs
            .get(userId)!
            .filter((r) => r.kind === 'message:new')
            .map((r) => r.entityId),
        ),
      ).toEqual(expected.get(userId));
    }
    await expectGapFreeAndConsistent(server.server.deps.db, logs);
  });

  it('many concurrent transactions over overlapping user sets of every size: no deadlock, no gap', async () => {
    const { server } = pg();
    const db = server.server.deps.db;
    const userIds = await insertUsers(db, 40);
    for (let round = 0; round < 3; round++) await concurrentAppends(db, userIds, 40, 3);
    const logs = await readLogs(db, userIds);
    await expectGapFreeAndConsistent(db, logs);
    expect([...logs.values()].reduce((n, rows) => n + rows.length, 0)).toBeGreaterThan(40 * 3 * 3);
  });
});
