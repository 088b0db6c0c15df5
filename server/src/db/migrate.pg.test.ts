import { useTestDatabase } from '../../test/support/pg-database';
import { applyPendingMigrations } from './migrate';

// Needs PostgreSQL at PG_ADMIN_URL (default: the local server, trust auth). Run with `npm run test:pg`.
const current = useTestDatabase('symc_test_migrate');

describe('applyPendingMigrations (PostgreSQL)', () => {
  it('applies prisma/postgres/migrations for a postgresql:// URL, then nothing', async () => {
    const { url } = current().database;
    const applied = await applyPendingMigrations(url);
    expect(applied.length).toBeGreaterThan(0);
    expect(applied.every((name) => /^\d{14}_\w+$/.test(name))).toBe(true);
    // The postgres:// spelling selects the same provider.
    expect(await applyPendingMigrations(url.replace(/^postgresql:/, 'postgres:'))).toEqual([]);
  });
});
