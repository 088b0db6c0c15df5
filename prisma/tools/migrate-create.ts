/**
 * Creates a new migration for BOTH databases from the current schemas:
 *   prisma/schema.prisma           → prisma/migrations/<timestamp>_<name>/migration.sql          (SQLite)
 *   prisma/postgres/schema.prisma  → prisma/postgres/migrations/<timestamp>_<name>/migration.sql (PostgreSQL)
 *
 *   tsx prisma/tools/migrate-create.ts <name> [--draft]
 *
 * The PostgreSQL schema is re-derived first (prisma/tools/derive-postgres-schema.ts). Each
 * migration is computed by the WebAssembly schema engine (prisma/engine/) against a scratch
 * database: a temporary SQLite file, and a throwaway PostgreSQL database created and dropped on
 * the server named by MIGRATE_PG_ADMIN_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
 * `--draft` writes a migration even when nothing changed (to fill in by hand).
 * Both migrations get the same directory name; if either provider fails, nothing is kept.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createMigration, redactUrl, SchemaEngineError } from '../engine/schema-engine';
import { POSTGRES_SCHEMA, readDerivedPostgresSchema, repoRoot } from './derive-postgres-schema';

const DEFAULT_ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

class CliError extends Error {}

interface Created {
  provider: 'sqlite' | 'postgresql';
  dir: string | null;
  lockfileExisted: boolean;
  migrationsDir: string;
}

function parseArgs(argv: string[]): { name: string; draft: boolean } {
  const flags = argv.filter((a) => a.startsWith('--'));
  const positional = argv.filter((a) => !a.startsWith('--'));
  const unknown = flags.filter((f) => f !== '--draft');
  if (unknown.length > 0)
    throw new CliError(`Unknown option ${unknown.join(', ')} (usage: migrate-create.ts <name> [--draft]).`);
  if (positional.length !== 1)
    throw new CliError('Give exactly one migration name (usage: migrate-create.ts <name> [--draft]).');
  const name = positional[0] ?? '';
  if (!/^[a-z0-9_]{1,80}$/i.test(name)) {
    throw new CliError(`Migration name "${name}" must be 1-80 letters, digits or underscores.`);
  }
  return { name, draft: flags.includes('--draft') };
}

/** Writes prisma/postgres/schema.prisma when it is not the one derived from prisma/schema.prisma. */
function syncPostgresSchema(root: string): void {
  const target = path.join(root, POSTGRES_SCHEMA);
  const derived = readDerivedPostgresSchema(root);
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : null;
  if (current !== derived) {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, derived, 'utf8');
    console.log(`Updated ${POSTGRES_SCHEMA} from prisma/schema.prisma.`);
  }
}

async function createSqlite(root: string, name: string, draft: boolean): Promise<Created> {
  const migrationsDir = path.join(root, 'prisma', 'migrations');
  const lockfileExisted = fs.existsSync(path.join(migrationsDir, 'migration_lock.toml'));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'symc-migrate-'));
  try {
    const dir = await createMigration({
      provider: 'sqlite',
      url: `file:${path.join(scratch, 'scratch.db')}`,
      schemaPath: path.join(root, 'prisma', 'schema.prisma'),
      migrationsDir,
      name,
      draft,
    });
    return { provider: 'sqlite', dir, lockfileExisted, migrationsDir };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

async function createPostgres(root: string, name: string, draft: boolean): Promise<Created> {
  const adminUrl = process.env.MIGRATE_PG_ADMIN_URL ?? DEFAULT_ADMIN_URL;
  const migrationsDir = path.join(root, 'prisma', 'postgres', 'migrations');
  const lockfileExisted = fs.existsSync(path.join(migrationsDir, 'migration_lock.toml'));
  const database = `symc_migrate_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  try {
    await admin.connect();
  } catch (error) {
    throw new CliError(
      `Cannot connect to PostgreSQL at ${redactUrl(adminUrl)} (${(error as Error).message}); start it or set MIGRATE_PG_ADMIN_URL.`,
    );
  }
  try {
    await admin.query(`CREATE DATABASE "${database}"`);
    const url = new URL(adminUrl);
    url.pathname = `/${database}`;
    const dir = await createMigration({
      provider: 'postgresql',
      url: url.toString(),
      schemaPath: path.join(root, POSTGRES_SCHEMA),
      migrationsDir,
      name,
      draft,
    });
    return { provider: 'postgresql', dir, lockfileExisted, migrationsDir };
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch((error: Error) => {
      console.error(`Warning: could not drop the scratch database ${database}: ${error.message}`);
    });
    await admin.end().catch(() => undefined);
  }
}

/** Removes what a successful provider wrote when the other one failed. */
function undo(created: Created): void {
  if (created.dir) fs.rmSync(created.dir, { recursive: true, force: true });
  if (created.dir && !created.lockfileExisted)
    fs.rmSync(path.join(created.migrationsDir, 'migration_lock.toml'), { force: true });
}

function describe(error: unknown, provider: string): string {
  if (error instanceof CliError) return error.message;
  if (error instanceof SchemaEngineError) {
    const [first, ...rest] = error.message.split('\n');
    const details = rest.join('\n').trim();
    return `The schema engine could not create the ${provider} migration: ${first}${details ? `\n${details}` : ''}`;
  }
  return `Creating the ${provider} migration failed: ${(error as Error).message ?? String(error)}`;
}

async function main(argv: string[]): Promise<number> {
  const { name, draft } = parseArgs(argv);
  const root = repoRoot(__dirname);
  syncPostgresSchema(root);

  let sqlite: Created;
  try {
    sqlite = await createSqlite(root, name, draft);
  } catch (error) {
    throw new CliError(describe(error, 'SQLite'));
  }
  let postgres: Created;
  try {
    postgres = await createPostgres(root, name, draft);
  } catch (error) {
    undo(sqlite);
    throw new CliError(describe(error, 'PostgreSQL'));
  }

  // Same directory name on both sides (the engine stamps each with its own clock second).
  if (sqlite.dir && postgres.dir && path.basename(sqlite.dir) !== path.basename(postgres.dir)) {
    const renamed = path.join(postgres.migrationsDir, path.basename(sqlite.dir));
    if (!fs.existsSync(renamed)) {
      fs.renameSync(postgres.dir, renamed);
      postgres.dir = renamed;
    }
  }

  if (!sqlite.dir && !postgres.dir) {
    console.log('No schema changes: no migration created (use --draft for an empty one).');
    return 0;
  }
  if (!sqlite.dir || !postgres.dir) {
    undo(sqlite);
    undo(postgres);
    throw new CliError(
      `Only the ${sqlite.dir ? 'SQLite' : 'PostgreSQL'} schema changed, which means the two migration histories disagree; nothing was written.`,
    );
  }
  for (const created of [sqlite, postgres]) {
    console.log(`Created ${path.relative(root, path.join(created.dir ?? '', 'migration.sql'))}`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`migrate-create: ${error instanceof CliError ? error.message : describe(error, 'new')}`);
    process.exitCode = 1;
  },
);
