import fs from 'node:fs';
import path from 'node:path';
import { HealthReport } from '../../common/contract';
import { CuttingProxy } from '../../e2e/support/cutting-proxy';
import { createTestDatabase, type TestDatabase } from './support/pg-database';
import { startTestServer, type TestServer } from './support/test-server';

const REDIS_PORT = Number(new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379').port || 6379);

async function health(server: TestServer): Promise<{ status: number; report: HealthReport }> {
  const res = await fetch(`${server.url}/healthz`);
  return { status: res.status, report: HealthReport.parse(await res.json()) };
}

/** PostgreSQL and Redis, with Redis reached through a proxy the test can cut. */
describe('GET /healthz (PostgreSQL + Redis)', () => {
  let database: TestDatabase;
  let redis: CuttingProxy;
  let server: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase('symc_healthz');
    redis = await new CuttingProxy(REDIS_PORT).start();
    server = await startTestServer({ DATABASE_URL: database.url, REDIS_URL: `redis://127.0.0.1:${redis.port}` });
  });
  afterAll(async () => {
    await server.stop();
    await redis.stop();
    await database.drop();
  });

  it('reports PostgreSQL, Redis and the PostgreSQL migrations', async () => {
    const known = fs
      .readdirSync(path.join(__dirname, '..', '..', 'prisma', 'postgres', 'migrations'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    const { status, report } = await health(server);
    expect(status).toBe(200);
    expect(report.checks.database).toMatchObject({ status: 'ok', provider: 'postgresql' });
    expect(report.checks.redis.status).toBe('ok');
    expect(report.checks.migrations).toEqual({ status: 'ok', latest: known.at(-1), pending: [], unknown: [] });
  });

  it('answers 503 naming Redis while Redis is unreachable, and 200 again once it is back', async () => {
    redis.setOffline(true);
    // ioredis notices the cut connection at once ('close'); the subscriber is then no longer ready.
    let answer = await health(server);
    for (let tries = 0; answer.status === 200 && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await health(server);
    }
    expect(answer.status).toBe(503);
    expect(answer.report.status).toBe('unavailable');
    expect(answer.report.checks.redis.status).toBe('down');
    expect(answer.report.checks.redis.detail).toMatch(/Redis/);
    expect(answer.report.checks.database.status).toBe('ok');

    redis.setOffline(false);
    // ioredis reconnects with its own backoff (up to ~2 s between tries) and re-subscribes.
    for (let tries = 0; answer.status !== 200 && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await health(server);
    }
    expect(answer.status).toBe(200);
    expect(answer.report.checks.redis.status).toBe('ok');
  });
});
