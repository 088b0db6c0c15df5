import fs from 'node:fs';
import path from 'node:path';
import { prepareSqliteFile, sqliteFilePath } from './sqlite-file';
import { applyMigrations, providerFromUrl, type SchemaEngineProvider } from '../../../prisma/engine/schema-engine';

/**
 * The repository root: the nearest directory above this file that holds package.json (works from
 * server/src/db under tsx/ts-jest, and from a compiled copy anywhere below the root).
 */
function repoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir)
      throw new Error(`Cannot find the repository root (no package.json above ${__dirname})`);
  }
}

/** The committed migrations directory for a provider. */
export function migrationsDirFor(provider: SchemaEngineProvider): string {
  const root = repoRoot();
  return provider === 'sqlite'
    ? path.join(root, 'prisma', 'migrations')
    : path.join(root, 'prisma', 'postgres', 'migrations');
}

/**
 * Brings the database up to date with the committed migrations (`prisma migrate deploy`, run by
 * Prisma's WebAssembly schema engine): `file:` URLs use prisma/migrations (SQLite),
 * `postgres://` / `postgresql://` URLs prisma/postgres/migrations. Returns the names of the
 * migrations applied now (empty when it was up to date). Rejects with a SchemaEngineError
 * carrying Prisma's error code (P3005 non-empty database without history, P3009 an earlier
 * migration failed, P3018 a migration failed) — the server must not start on such a database.
 *
 * The PostgreSQL database must exist; a SQLite file (and its directory) is created when missing, mode 0600,
 * and a SQLite path the server cannot write is a StartupError naming it.
 */
export async function applyPendingMigrations(databaseUrl: string): Promise<string[]> {
  const provider = providerFromUrl(databaseUrl);
  if (provider === 'sqlite') {
    const file = sqliteFilePath(databaseUrl);
    if (file) prepareSqliteFile(file);
  }
  return applyMigrations({ provider, url: databaseUrl, migrationsDir: migrationsDirFor(provider) });
}
