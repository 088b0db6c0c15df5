import fs from 'node:fs';
import type { RequestHandler } from 'express';
import type { DependencyHealth, HealthReport } from '../../../common/contract';
import type { Db } from '../db/client';
import { migrationsDirFor } from '../db/migrate';
import type { Fanout } from '../modules/changes/fanout';
import type { BlobStore } from '../modules/attachments/blob-store';
import { providerFromUrl } from '../../../prisma/engine/schema-engine';

/** A probe slower than this counts as down: a balancer must get its answer even when a dependency hangs. */
const PROBE_TIMEOUT_MS = 2_000;

interface HealthDeps {
  readonly db: Db;
  readonly fanout: Fanout;
  readonly databaseUrl: string;
  readonly blobs: BlobStore;
}

/**
 * `GET /healthz`: the database answers, Redis (when configured) carries signals, and the schema holds every
 * migration this build knows. 200 when the instance can serve, 503 with the same body when it can't
 * (common/contract/http/health.ts). A database newer than the build (`ahead`) still serves: that is a rolling
 * deploy in progress, and the report says so.
 */
export function healthHandler(deps: HealthDeps): RequestHandler {
  const provider = providerFromUrl(deps.databaseUrl);
  const known = knownMigrations(migrationsDirFor(provider));
  return async (_req, res) => {
    const [database, redis, migrations, blobStore] = await Promise.all([
      probe(async () => {
        await deps.db.$queryRawUnsafe('SELECT 1');
      }),
      bounded(deps.fanout.check(), 'Redis'),
      migrationState(deps.db, known),
      probe(async () => {
        const health = await deps.blobs.check();
        if (health.status === 'down') throw new Error(health.detail);
      }, 'the attachment store'),
    ]);
    const serving =
      database.status === 'ok' &&
      redis.status !== 'down' &&
      (migrations.status === 'ok' || migrations.status === 'ahead');
    const report: HealthReport = {
      status: serving ? 'ok' : 'unavailable',
      // The blob store is reported, not required (common/contract/http/health.ts says why).
      checks: {
        database: { ...database, provider },
        redis,
        migrations,
        blobStore: { ...blobStore, kind: deps.blobs.kind },
      },
    };
    res.status(serving ? 200 : 503).json(report);
  };
}

function knownMigrations(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

async function migrationState(db: Db, known: readonly string[]): Promise<HealthReport['checks']['migrations']> {
  const latest = known.at(-1) ?? '';
  try {
    const rows = await within(
      db.$queryRawUnsafe<Array<{ migration_name: string }>>(
        'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
      ),
      'the migration history',
    );
    const applied = new Set(rows.map((row) => row.migration_name));
    const pending = known.filter((name) => !applied.has(name));
    const knownSet = new Set(known);
    const unknown = [...applied].filter((name) => !knownSet.has(name)).sort();
    const status = pending.length > 0 ? 'pending' : unknown.length > 0 ? 'ahead' : 'ok';
    return { status, latest, pending, unknown };
  } catch (error) {
    return { status: 'down', latest, pending: [], unknown: [], detail: (error as Error).message };
  }
}

async function probe(run: () => Promise<void>, what = 'the database'): Promise<DependencyHealth> {
  const began = performance.now();
  try {
    await within(run(), what);
    return { status: 'ok', latencyMs: Math.round((performance.now() - began) * 10) / 10 };
  } catch (error) {
    return { status: 'down', detail: (error as Error).message };
  }
}

async function bounded(check: Promise<DependencyHealth>, what: string): Promise<DependencyHealth> {
  try {
    return await within(check, what);
  } catch (error) {
    return { status: 'down', detail: (error as Error).message };
  }
}

function within<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer within ${PROBE_TIMEOUT_MS} ms`)),
      PROBE_TIMEOUT_MS,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
