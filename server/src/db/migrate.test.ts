import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyPendingMigrations, migrationsDirFor } from './migrate';

describe('applyPendingMigrations (SQLite)', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'migrate-test-'));
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('creates the file (and its directory), applies every committed migration, then nothing', async () => {
    const dbFile = path.join(tmp, 'nested', 'dir', 'symc.db');
    const committed = fs
      .readdirSync(migrationsDirFor('sqlite'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    expect(committed.length).toBeGreaterThan(0);

    expect(await applyPendingMigrations(`file:${dbFile}`)).toEqual(committed);
    expect(await applyPendingMigrations(`file:${dbFile}`)).toEqual([]);

    const db = new Database(dbFile, { readonly: true });
    try {
      const count = db.prepare('SELECT COUNT(*) AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL').get() as {
        n: number | bigint;
      };
      expect(Number(count.n)).toBe(committed.length);
    } finally {
      db.close();
    }
  });

  it('resolves each provider to its committed migrations directory', () => {
    expect(migrationsDirFor('sqlite')).toMatch(/prisma[/\\]migrations$/);
    expect(migrationsDirFor('postgresql')).toMatch(/prisma[/\\]postgres[/\\]migrations$/);
    expect(fs.existsSync(path.join(migrationsDirFor('postgresql'), 'migration_lock.toml'))).toBe(true);
  });

  it('rejects URLs of other databases', async () => {
    await expect(applyPendingMigrations('mysql://root@localhost/symc')).rejects.toThrow(/Unsupported database URL/);
  });
});
