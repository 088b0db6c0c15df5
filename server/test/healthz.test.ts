import fs from 'node:fs';
import path from 'node:path';
import { HealthReport } from '../../common/contract';
import { startTestServer, type TestServer } from './support/test-server';

async function health(server: TestServer): Promise<{ status: number; report: HealthReport }> {
  const res = await fetch(`${server.url}/healthz`);
  return { status: res.status, report: HealthReport.parse(await res.json()) };
}

const known = fs
  .readdirSync(path.join(__dirname, '..', '..', 'prisma', 'migrations'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

describe('GET /healthz (embedded SQLite, one instance)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it('reports the database up, Redis not configured, every migration applied and the blob directory writable', async () => {
    const { status, report } = await health(server);
    expect(status).toBe(200);
    expect(report.status).toBe('ok');
    expect(report.checks.database).toMatchObject({ status: 'ok', provider: 'sqlite' });
    expect(report.checks.redis).toEqual({ status: 'not_configured' });
    expect(report.checks.migrations).toEqual({ status: 'ok', latest: known.at(-1), pending: [], unknown: [] });
    expect(report.checks.blobStore).toMatchObject({ status: 'ok', kind: 'directory' });
  });

  it('says "ahead" (and still serves) when a newer build migrated the database, "pending" (503) when a migration is missing', async () => {
    const db = server.server.deps.db;
    await db.$executeRawUnsafe(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       VALUES ('test-newer', 'x', '29991231000000_from_a_newer_build', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)`,
    );
    let { status, report } = await health(server);
    expect(status).toBe(200);
    expect(report.checks.migrations).toMatchObject({ status: 'ahead', unknown: ['29991231000000_from_a_newer_build'] });

    const last = known.at(-1)!;
    const [row] = await db.$queryRawUnsafe<Array<{ id: string }>>(
      'SELECT id FROM _prisma_migrations WHERE migration_name = ?',
      last,
    );
    await db.$executeRawUnsafe(
      'UPDATE _prisma_migrations SET migration_name = ? WHERE id = ?',
      `${last}_moved`,
      row!.id,
    );
    ({ status, report } = await health(server));
    expect(status).toBe(503);
    expect(report.status).toBe('unavailable');
    expect(report.checks.migrations.status).toBe('pending');
    expect(report.checks.migrations.pending).toEqual([last]);

    await db.$executeRawUnsafe('UPDATE _prisma_migrations SET migration_name = ? WHERE id = ?', last, row!.id);
    await db.$executeRawUnsafe(`DELETE FROM _prisma_migrations WHERE id = 'test-newer'`);
    expect((await health(server)).status).toBe(200);
  });
});
