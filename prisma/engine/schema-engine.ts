/**
 * Our own driver for Prisma's WebAssembly schema engine (@prisma/schema-engine-wasm).
 *
 * Prisma 7's `migrate` / `db push` need a native schema engine that cannot be downloaded on our
 * build machines; the same engine ships as WebAssembly and, given a driver adapter, creates
 * migrations, diffs and applies them, writing Prisma's standard `_prisma_migrations` table and
 * `<migrationsDir>/<timestamp>_<name>/migration.sql` layout (so a real `prisma migrate deploy`
 * elsewhere sees the same history).
 *
 * Each call runs in a fresh worker thread (`engine-worker.mjs`, plain ESM), because the engine
 * package cannot be loaded by Node 20's ESM loader as published, nor by jest's CJS registry. A call
 * costs ~0.2-0.4 s on SQLite, most of it starting the worker and instantiating the wasm module.
 */
import { Worker } from 'node:worker_threads';
import fs from 'node:fs';
import path from 'node:path';

export type SchemaEngineProvider = 'sqlite' | 'postgresql';

export interface EngineDatasource {
  provider: SchemaEngineProvider;
  /** `file:/abs/path.db` (relative `file:` paths resolve against the process cwd) or `postgres[ql]://...` */
  url: string;
  /** SQLite only: a file for the shadow database (default: in memory). */
  shadowDatabaseUrl?: string;
}

export interface EngineCommand {
  /** A method of the engine's `SchemaEngine` class (see schema_engine.d.ts). */
  method: string;
  input?: unknown;
}

export interface RunOptions {
  /** Prisma schema files given to the engine's constructor, `[path, content]`. */
  datamodels?: [string, string][];
  /** Kill the worker after this long (default 120 s). */
  timeoutMs?: number;
  /** Forward the engine's log lines to stderr. Default: env SCHEMA_ENGINE_DEBUG=1. */
  debug?: boolean;
}

/** An error reported by the schema engine, with Prisma's error code when it has one (e.g. P3006, P3018). */
export class SchemaEngineError extends Error {
  override readonly name = 'SchemaEngineError';
  /** Prisma error code, e.g. `P3006` ("migration failed to apply cleanly to the shadow database"). */
  readonly code: string | undefined;
  readonly meta: unknown;
  /** The engine command that failed (`applyMigrations`, `createMigration`, ...). */
  readonly method: string | undefined;
  /** True when the engine panicked (a bug in the engine, not in our input). */
  readonly panic: boolean;
  /** The engine's last log lines (JSON strings), for diagnosis. */
  readonly logs: string[];
  /** The engine's span trace (where in the engine it failed), when it gave one. */
  readonly trace: string | undefined;

  constructor(payload: EngineErrorPayload) {
    super(payload.code ? `${payload.code}: ${payload.message}` : payload.message);
    this.code = payload.code;
    this.meta = payload.meta;
    this.method = payload.method;
    this.panic = payload.panic === true;
    this.logs = payload.logs ?? [];
    this.trace = payload.trace;
  }
}

interface EngineErrorPayload {
  message: string;
  code?: string;
  meta?: unknown;
  name?: string;
  panic?: boolean;
  method?: string;
  trace?: string;
  logs?: string[];
}

type EngineReply = { ok: true; results: unknown[]; ms: number } | { ok: false; error: EngineErrorPayload; ms: number };

/* ---------------------------------------------------------------- engine input/output shapes */

export interface MigrationList {
  baseDir: string;
  lockfile: { path: string; content: string | null };
  shadowDbInitScript: string;
  migrationDirectories: {
    path: string;
    migrationFile: { path: string; content: { tag: 'ok'; value: string } | { tag: 'error'; value: string } };
  }[];
}

export interface SchemaFilter {
  externalTables: string[];
  externalEnums: string[];
}

export type HistoryDiagnostic =
  | { diagnostic: 'databaseIsBehind'; unappliedMigrationNames: string[] }
  | { diagnostic: 'migrationsDirectoryIsBehind'; unpersistedMigrationNames: string[] }
  | {
      diagnostic: 'historiesDiverge';
      lastCommonMigrationName: string | null;
      unpersistedMigrationNames: string[];
      unappliedMigrationNames: string[];
    };

export interface DiagnoseMigrationHistoryOutput {
  editedMigrationNames: string[];
  failedMigrationNames: string[];
  hasMigrationsTable: boolean;
  history: HistoryDiagnostic | null;
}

interface CreateMigrationOutput {
  connectorType: string;
  generatedMigrationName: string;
  migrationScript: string | null;
  extension: string;
}

const NO_FILTER: SchemaFilter = { externalTables: [], externalEnums: [] };
const LOCKFILE = 'migration_lock.toml';
const MIGRATION_FILE = 'migration.sql';

/* ---------------------------------------------------------------- helpers */

/** The provider a database URL belongs to: `file:` → sqlite, `postgres://` / `postgresql://` → postgresql. */
export function providerFromUrl(url: string): SchemaEngineProvider {
  if (url.startsWith('file:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgresql';
  throw new Error(
    `Unsupported database URL "${redactUrl(url)}": expected "file:..." (SQLite) or "postgres[ql]://..." (PostgreSQL)`,
  );
}

/** The URL with any password replaced, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@');
}

/** Reads a migrations directory the way Prisma does (sorted `<name>/migration.sql` + lockfile). */
export function readMigrationsList(migrationsDir: string): MigrationList {
  const baseDir = path.resolve(migrationsDir);
  const lockfilePath = path.join(baseDir, LOCKFILE);
  const lockfile = {
    path: LOCKFILE,
    content: fs.existsSync(lockfilePath) ? fs.readFileSync(lockfilePath, 'utf8') : null,
  };
  const entries = fs.existsSync(baseDir) ? fs.readdirSync(baseDir, { withFileTypes: true }) : [];
  const migrationDirectories = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => {
      const file = path.join(baseDir, name, MIGRATION_FILE);
      let content: MigrationList['migrationDirectories'][number]['migrationFile']['content'];
      try {
        content = { tag: 'ok', value: fs.readFileSync(file, 'utf8') };
      } catch (error) {
        content = { tag: 'error', value: (error as Error).message };
      }
      return { path: name, migrationFile: { path: MIGRATION_FILE, content } };
    });
  return { baseDir, lockfile, shadowDbInitScript: '', migrationDirectories };
}

/** Finds engine-worker.mjs next to this file (or under the repo root when this file was compiled elsewhere). */
function workerPath(): string {
  const candidates = [path.join(__dirname, 'engine-worker.mjs')];
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) {
      candidates.push(path.join(dir, 'prisma', 'engine', 'engine-worker.mjs'));
      break;
    }
    if (path.dirname(dir) === dir) break;
  }
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`Cannot find the schema engine worker (looked in ${candidates.join(', ')})`);
  return found;
}

/**
 * Runs commands, in order, on ONE engine instance in a fresh worker thread, and returns their
 * results. Rejects with a {@link SchemaEngineError} for anything the engine or the database reports.
 */
export function runSchemaEngine(
  datasource: EngineDatasource,
  commands: EngineCommand[],
  options: RunOptions = {},
): Promise<unknown[]> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const job = {
    provider: datasource.provider,
    url: datasource.url,
    shadowDatabaseUrl: datasource.shadowDatabaseUrl,
    commands,
    datamodels: options.datamodels,
    debug: options.debug ?? process.env.SCHEMA_ENGINE_DEBUG === '1',
  };
  return new Promise<unknown[]>((resolve, reject) => {
    let reply: EngineReply | undefined;
    let failure: Error | undefined;
    const worker = new Worker(workerPath(), { workerData: job });
    const timer = setTimeout(() => {
      failure = new SchemaEngineError({
        message: `Schema engine timed out after ${timeoutMs} ms (${commands.map((c) => c.method).join(', ')})`,
      });
      void worker.terminate();
    }, timeoutMs);
    worker.on('message', (message: EngineReply) => {
      reply = message;
      // The worker replies after closing every connection it opened, but the engine leaves
      // timers of its own behind (a 10 s one on PostgreSQL): stop the thread now.
      void worker.terminate();
    });
    worker.on('error', (error) => {
      failure ??= new SchemaEngineError({ message: `Schema engine worker crashed: ${error.message}` });
    });
    worker.on('exit', (exitCode) => {
      clearTimeout(timer);
      if (reply?.ok) resolve(reply.results);
      else if (reply) reject(new SchemaEngineError(reply.error));
      else
        reject(
          failure ??
            new SchemaEngineError({ message: `Schema engine worker exited (code ${exitCode}) without a reply` }),
        );
    });
  });
}

function readSchema(schemaPath: string): [string, string][] {
  const abs = path.resolve(schemaPath);
  return [[abs, fs.readFileSync(abs, 'utf8')]];
}

/* ---------------------------------------------------------------- public operations */

export interface ApplyMigrationsOptions {
  provider: SchemaEngineProvider;
  url: string;
  migrationsDir: string;
  timeoutMs?: number;
}

/**
 * `prisma migrate deploy`: applies every migration of `migrationsDir` not yet recorded in the
 * database's `_prisma_migrations` table (creating it on first use), and returns the names of the
 * migrations it applied (empty when the database was up to date).
 *
 * Fails with P3005 when the database has tables but no migration history, P3009 when an earlier
 * migration failed, P3018 when a migration fails to apply.
 */
export async function applyMigrations(options: ApplyMigrationsOptions): Promise<string[]> {
  const migrationsList = readMigrationsList(options.migrationsDir);
  if (migrationsList.migrationDirectories.length === 0) {
    throw new Error(`No migrations found in ${migrationsList.baseDir}`);
  }
  const [result] = await runSchemaEngine(
    { provider: options.provider, url: options.url },
    [{ method: 'applyMigrations', input: { migrationsList, filters: NO_FILTER } }],
    { timeoutMs: options.timeoutMs },
  );
  return (result as { appliedMigrationNames: string[] }).appliedMigrationNames;
}

export interface CreateMigrationOptions {
  provider: SchemaEngineProvider;
  /**
   * A scratch database (SQLite temp file, or a throwaway PostgreSQL database): the existing
   * migrations are applied to it first (as `migrate dev` expects of its dev database). The new
   * migration itself is computed against a shadow database and is NOT applied.
   */
  url: string;
  schemaPath: string;
  migrationsDir: string;
  /** The migration's name; the directory becomes `<UTC timestamp>_<name>`. */
  name: string;
  /** Write a migration even when there is no change (an empty one, to fill in by hand). */
  draft?: boolean;
  timeoutMs?: number;
}

/**
 * `prisma migrate dev --create-only`: writes `<migrationsDir>/<timestamp>_<name>/migration.sql`
 * (and `migration_lock.toml`) for the difference between the migrations history and the schema.
 * Returns the new migration's directory, or null when the schema has no change.
 */
export async function createMigration(options: CreateMigrationOptions): Promise<string | null> {
  const migrationsList = readMigrationsList(options.migrationsDir);
  const datamodels = readSchema(options.schemaPath);
  const schema = { files: datamodels.map(([p, content]) => ({ path: p, content })) };
  const results = await runSchemaEngine(
    { provider: options.provider, url: options.url },
    [
      // Creates _prisma_migrations and brings the scratch database up to date: devDiagnostic
      // cannot read a database that has no _prisma_migrations table (P1014).
      { method: 'applyMigrations', input: { migrationsList, filters: NO_FILTER } },
      // Replays the history on the shadow database and caches the resulting schema, which
      // createMigration needs (on its own it cannot open a shadow database).
      { method: 'devDiagnostic', input: { migrationsList, filters: NO_FILTER } },
      {
        method: 'createMigration',
        input: {
          draft: options.draft ?? false,
          migrationName: options.name,
          migrationsList,
          schema,
          filters: NO_FILTER,
        },
      },
    ],
    { datamodels, timeoutMs: options.timeoutMs },
  );
  const diagnostic = results[1] as { action: { tag: string; reason?: string } };
  if (diagnostic.action.tag !== 'createMigration') {
    throw new SchemaEngineError({
      method: 'devDiagnostic',
      message: `The scratch database is out of sync with the migrations (${diagnostic.action.reason ?? diagnostic.action.tag}); use a fresh database`,
    });
  }
  const created = results[2] as CreateMigrationOutput;
  if (created.migrationScript === null) return null;

  const dirName = orderedMigrationName(
    created.generatedMigrationName,
    migrationsList.migrationDirectories.map((d) => d.path),
  );
  const dir = path.join(migrationsList.baseDir, dirName);
  if (fs.existsSync(dir)) throw new Error(`The migration directory already exists: ${dir}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `migration.${created.extension}`), created.migrationScript, 'utf8');
  fs.writeFileSync(
    path.join(migrationsList.baseDir, LOCKFILE),
    `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${created.connectorType}"\n`,
    'utf8',
  );
  return dir;
}

/**
 * Migrations apply in directory-name order, and the engine stamps names to the second: a migration
 * created in the same second as the previous one (`..._add_x` < `..._init`) would sort first. Move
 * its timestamp to one second after the newest existing migration when needed.
 */
export function orderedMigrationName(generated: string, existing: string[]): string {
  const match = /^(\d{14})_(.*)$/.exec(generated);
  const last = [...existing].sort().pop();
  const lastStamp = last && /^(\d{14})_/.exec(last)?.[1];
  if (!match || !lastStamp || generated > last) return generated;
  const t = lastStamp;
  const next = new Date(
    Date.UTC(+t.slice(0, 4), +t.slice(4, 6) - 1, +t.slice(6, 8), +t.slice(8, 10), +t.slice(10, 12), +t.slice(12, 14)) +
      1000,
  );
  const stamp = next.toISOString().replace(/\D/g, '').slice(0, 14);
  return `${stamp}_${match[2]}`;
}

export interface DiffOptions {
  provider: SchemaEngineProvider;
  /**
   * Any database the engine can connect to; PostgreSQL creates (and drops) its shadow database
   * through it. SQLite defaults to an in-memory database.
   */
  url?: string;
  schemaPath: string;
  migrationsDir: string;
  timeoutMs?: number;
}

/**
 * Drift check between the migrations and the schema: replays the migrations on a shadow database
 * and returns the SQL that would bring it to the schema, or null when they match (i.e. no
 * migration is missing).
 */
export async function diffMigrationsToSchema(options: DiffOptions): Promise<string | null> {
  const url = options.url ?? (options.provider === 'sqlite' ? 'file::memory:' : undefined);
  if (!url) throw new Error('diffMigrationsToSchema needs a PostgreSQL url to create its shadow database through');
  const migrationsList = readMigrationsList(options.migrationsDir);
  const datamodels = readSchema(options.schemaPath);
  const [result] = await runSchemaEngine(
    { provider: options.provider, url },
    [
      {
        method: 'diff',
        input: {
          from: { tag: 'migrations', ...migrationsList },
          to: { tag: 'schemaDatamodel', files: datamodels.map(([p, content]) => ({ path: p, content })) },
          script: true,
          exitCode: true,
          filters: NO_FILTER,
        },
      },
    ],
    { datamodels, timeoutMs: options.timeoutMs },
  );
  const { exitCode, stdout } = result as { exitCode: number; stdout: string | null };
  return exitCode === 2 ? (stdout ?? '') : null;
}

export interface MigrationStatusOptions {
  provider: SchemaEngineProvider;
  url: string;
  migrationsDir: string;
  timeoutMs?: number;
}

/**
 * `prisma migrate status`: compares the database's `_prisma_migrations` with the directory
 * (read-only; no shadow database). `history` is null when they are in sync.
 */
export async function migrationStatus(options: MigrationStatusOptions): Promise<DiagnoseMigrationHistoryOutput> {
  const migrationsList = readMigrationsList(options.migrationsDir);
  try {
    const [result] = await runSchemaEngine(
      { provider: options.provider, url: options.url },
      [
        {
          method: 'diagnoseMigrationHistory',
          input: { migrationsList, optInToShadowDatabase: false, filters: NO_FILTER },
        },
      ],
      { timeoutMs: options.timeoutMs },
    );
    return result as DiagnoseMigrationHistoryOutput;
  } catch (error) {
    // Through a driver adapter, the engine cannot tell "no _prisma_migrations table" from other
    // query errors on SQLite and reports P1014: that is the "never migrated" state.
    if (error instanceof SchemaEngineError && error.code === 'P1014' && /_prisma_migrations/.test(error.message)) {
      const names = migrationsList.migrationDirectories.map((d) => d.path);
      return {
        editedMigrationNames: [],
        failedMigrationNames: [],
        hasMigrationsTable: false,
        history: names.length > 0 ? { diagnostic: 'databaseIsBehind', unappliedMigrationNames: names } : null,
      };
    }
    throw error;
  }
}
