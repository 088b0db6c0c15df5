import path from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { applyPendingMigrations } from '../server/src/db/migrate';
import { prismaTime } from './seed-bulk';

/** The local PostgreSQL the bench uses with `--db postgres` (trust auth), or PG_ADMIN_URL. */
export const PG_ADMIN_URL = process.env.PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** Tables the seeders write, parents first (foreign keys). */
const TABLES = ['User', 'Device', 'Session', 'Chat', 'ChatMember', 'ChatKeyCopy', 'Message', 'ChangeLog'] as const;
const ROWS_PER_INSERT = 1000;

/** A fresh database on the local PostgreSQL for one bench run; `drop()` removes it (connections or not). */
export async function createBenchDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `symc_bench_${process.pid}_${Date.now()}`;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: PG_ADMIN_URL });
    try {
      await client.connect();
      await client.query(sql);
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  try {
    await admin(`CREATE DATABASE "${name}"`);
  } catch (error) {
    throw new Error(`could not create a database on PostgreSQL at ${PG_ADMIN_URL} (${(error as Error).message})`, {
      cause: error,
    });
  }
  return {
    url: PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`),
    drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

/**
 * The bench's seeders (seed-bulk, fanout-seed) write an SQLite file with prepared statements: half a
 * million messages through the server's API would take longer than the benchmark. With `--db postgres`
 * they write a scratch SQLite file with the server's schema instead (the same migrations), and the rows
 * they add are then copied into the server's PostgreSQL database in multi-row INSERTs:
 * `seed(fn)` first brings the scratch file's users and devices up to date from PostgreSQL (the server
 * made them: sign-ups, pairings, their seqs), runs `fn` on the file, then copies every row added since
 * (by rowid) and the users' new `lastSeq`. The scratch file also serves the machine-limit measurement,
 * which reads the seeded envelopes back.
 */
export class PostgresMirror {
  readonly file: string;

  private constructor(
    dir: string,
    private readonly url: string,
  ) {
    this.file = path.join(dir, 'seed-mirror.db');
  }

  static async open(dir: string, url: string): Promise<PostgresMirror> {
    const mirror = new PostgresMirror(dir, url);
    await applyPendingMigrations(`file:${mirror.file}`);
    return mirror;
  }

  async seed<T>(fn: (file: string) => T): Promise<T> {
    const pg = new Client({ connectionString: this.url });
    await pg.connect();
    try {
      const types = await columnTypes(pg);
      await this.pullUsersAndDevices(pg, types);
      const db = new Database(this.file);
      const marks = new Map(TABLES.map((t) => [t, maxRowid(db, t)]));
      db.close();
      const result = fn(this.file);
      await this.push(pg, types, marks);
      return result;
    } finally {
      await pg.end();
    }
  }

  /** Users and devices from PostgreSQL into the scratch file (insert, or refresh the seq). */
  private async pullUsersAndDevices(pg: Client, types: ColumnTypes): Promise<void> {
    const db = new Database(this.file);
    try {
      db.pragma('foreign_keys = OFF');
      for (const table of ['User', 'Device'] as const) {
        const { rows } = await pg.query<Record<string, unknown>>(`SELECT * FROM "${table}"`);
        db.transaction(() => {
          for (const row of rows) {
            const columns = Object.keys(row);
            const update = table === 'User' ? 'lastSeq = excluded.lastSeq' : 'syncCursor = excluded.syncCursor';
            db.prepare(
              `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})
               ON CONFLICT(id) DO UPDATE SET ${update}`,
            ).run(...columns.map((c) => toSqlite(row[c], types.get(`${table}.${c}`))));
          }
        })();
      }
    } finally {
      db.close();
    }
  }

  /** Rows the seeder added (rowid beyond the marks) into PostgreSQL, then every user's seq. */
  private async push(pg: Client, types: ColumnTypes, marks: Map<string, number>): Promise<void> {
    const db = new Database(this.file, { readonly: true });
    try {
      await pg.query('BEGIN');
      for (const table of TABLES) {
        const select = db.prepare(`SELECT * FROM "${table}" WHERE rowid > ? ORDER BY rowid`);
        let batch: Array<Record<string, unknown>> = [];
        const flush = async () => {
          if (batch.length === 0) return;
          const columns = Object.keys(batch[0]!);
          const values: unknown[] = [];
          const tuples = batch.map((row) => {
            const start = values.length;
            for (const c of columns) values.push(toPostgres(row[c], types.get(`${table}.${c}`)));
            return `(${columns.map((_, i) => `$${start + i + 1}`).join(', ')})`;
          });
          await pg.query(
            `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT DO NOTHING`,
            values,
          );
          batch = [];
        };
        for (const row of select.iterate(marks.get(table) ?? 0) as Iterable<Record<string, unknown>>) {
          batch.push(row);
          if (batch.length >= ROWS_PER_INSERT) await flush();
        }
        await flush();
      }
      for (const user of db.prepare('SELECT id, lastSeq FROM "User"').all() as Array<{ id: string; lastSeq: number }>)
        await pg.query('UPDATE "User" SET "lastSeq" = $1 WHERE id = $2 AND "lastSeq" < $1', [user.lastSeq, user.id]);
      await pg.query('COMMIT');
    } catch (error) {
      await pg.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      db.close();
    }
  }
}

type ColumnTypes = Map<string, string>;

async function columnTypes(pg: Client): Promise<ColumnTypes> {
  const { rows } = await pg.query<{ table_name: string; column_name: string; data_type: string }>(
    `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public'`,
  );
  return new Map(rows.map((r) => [`${r.table_name}.${r.column_name}`, r.data_type]));
}

function maxRowid(db: Database.Database, table: string): number {
  return (db.prepare(`SELECT COALESCE(MAX(rowid), 0) AS n FROM "${table}"`).get() as { n: number }).n;
}

/** PostgreSQL value → what Prisma's SQLite schema stores (times as its ISO text, booleans as 0/1). */
function toSqlite(value: unknown, type: string | undefined): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return prismaTime(value.getTime());
  if (type === 'boolean') return value ? 1 : 0;
  if (type === 'bigint') return BigInt(value as string);
  if (Buffer.isBuffer(value)) return value;
  return value;
}

/** SQLite value → PostgreSQL parameter. */
function toPostgres(value: unknown, type: string | undefined): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'boolean') return value === 1 || value === true;
  if (type?.startsWith('timestamp') && typeof value === 'number') return new Date(value);
  if (typeof value === 'bigint') return value.toString();
  return value;
}
