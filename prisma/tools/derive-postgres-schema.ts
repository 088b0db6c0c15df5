/**
 * Derives prisma/postgres/schema.prisma from prisma/schema.prisma (SQLite), mechanically.
 *
 * A generated Prisma client is bound to one provider, so the PostgreSQL deployment needs a schema
 * of its own; the models are kept in ONE place (the SQLite schema) and this script rewrites only:
 *   - the datasource provider: "sqlite" → "postgresql";
 *   - every generator `output`: re-based on prisma/postgres/, last segment `sqlite` → `postgres`;
 *   - a banner saying the file is generated.
 * It refuses what it cannot translate faithfully (SQLite-only or provider-dependent settings).
 *
 *   tsx prisma/tools/derive-postgres-schema.ts           writes prisma/postgres/schema.prisma
 *   tsx prisma/tools/derive-postgres-schema.ts --check   exits 1 when the committed file differs
 */
import fs from 'node:fs';
import path from 'node:path';

/** The repository root: the nearest directory above this file holding package.json. */
export function repoRoot(from: string = __dirname): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`No package.json above ${from}`);
  }
}

export const SQLITE_SCHEMA = path.join('prisma', 'schema.prisma');
export const POSTGRES_SCHEMA = path.join('prisma', 'postgres', 'schema.prisma');

const BANNER = [
  '// GENERATED from prisma/schema.prisma by prisma/tools/derive-postgres-schema.ts (npm run db:schemas).',
  '// Do not edit: change prisma/schema.prisma and re-run; a test fails when this file drifts.',
  '',
].join('\n');

export interface DeriveOptions {
  /** Directory of the SQLite schema (generator outputs are relative to it). Default: <root>/prisma. */
  sqliteSchemaDir?: string;
  /** Directory of the PostgreSQL schema. Default: <root>/prisma/postgres. */
  postgresSchemaDir?: string;
}

/** Returns the PostgreSQL schema text for a SQLite schema text. Throws on anything it cannot translate. */
export function derivePostgresSchema(sqliteSchema: string, options: DeriveOptions = {}): string {
  const root = repoRoot();
  const sqliteDir = options.sqliteSchemaDir ?? path.join(root, 'prisma');
  const postgresDir = options.postgresSchemaDir ?? path.join(root, 'prisma', 'postgres');
  const text = sqliteSchema.replace(/\r\n/g, '\n');
  const lines = text.split('\n');
  const out: string[] = [];

  let block: { kind: string; name: string } | undefined;
  let datasources = 0;
  let providerRewritten = false;
  let outputs = 0;

  lines.forEach((line, index) => {
    const where = `prisma/schema.prisma:${index + 1}`;
    const code = line.replace(/\/\/.*$/, '');
    const open = /^\s*(datasource|generator|model|enum|view|type)\s+(\w+)\s*\{/.exec(code);
    if (open) {
      block = { kind: open[1] ?? '', name: open[2] ?? '' };
      if (block.kind === 'datasource') datasources++;
      out.push(line);
      return;
    }
    if (block && /^\s*\}/.test(code)) {
      block = undefined;
      out.push(line);
      return;
    }

    if (block?.kind === 'datasource') {
      const provider = /^(\s*provider\s*=\s*)"([^"]*)"(.*)$/.exec(line);
      if (provider) {
        if (provider[2] !== 'sqlite') throw new Error(`${where}: expected provider "sqlite", found "${provider[2]}"`);
        out.push(`${provider[1]}"postgresql"${provider[3]}`);
        providerRewritten = true;
        return;
      }
      if (/^\s*\w+\s*=/.test(code)) {
        throw new Error(`${where}: unsupported datasource setting (only "provider" can be derived): ${line.trim()}`);
      }
    }

    if (block?.kind === 'generator') {
      const output = /^(\s*output\s*=\s*)"([^"]*)"(.*)$/.exec(line);
      if (output) {
        out.push(`${output[1]}"${rebaseOutput(output[2] ?? '', sqliteDir, postgresDir, where)}"${output[3]}`);
        outputs++;
        return;
      }
    }

    if (block && block.kind !== 'datasource' && block.kind !== 'generator' && /@db\./.test(code)) {
      // SQLite has no native types worth translating; a PostgreSQL-only one would need a rule here.
      throw new Error(`${where}: native type attributes (@db.*) cannot be derived mechanically: ${line.trim()}`);
    }
    out.push(line);
  });

  if (datasources !== 1 || !providerRewritten) {
    throw new Error('prisma/schema.prisma must have exactly one datasource block with provider = "sqlite"');
  }
  if (outputs === 0) {
    throw new Error('prisma/schema.prisma: every generator needs an explicit output ending in /sqlite');
  }
  return BANNER + out.join('\n');
}

/** `../server/src/db/generated/sqlite` (relative to prisma/) → `../../server/src/db/generated/postgres` (relative to prisma/postgres/). */
function rebaseOutput(output: string, sqliteDir: string, postgresDir: string, where: string): string {
  const absolute = path.resolve(sqliteDir, output);
  if (path.basename(absolute) !== 'sqlite') {
    throw new Error(
      `${where}: generator output must end in "/sqlite" so the PostgreSQL client can go beside it, got "${output}"`,
    );
  }
  const target = path.join(path.dirname(absolute), 'postgres');
  return path.relative(postgresDir, target).split(path.sep).join('/');
}

/** Reads prisma/schema.prisma and returns the PostgreSQL schema derived from it. */
export function readDerivedPostgresSchema(root: string = repoRoot()): string {
  return derivePostgresSchema(fs.readFileSync(path.join(root, SQLITE_SCHEMA), 'utf8'), {
    sqliteSchemaDir: path.join(root, 'prisma'),
    postgresSchemaDir: path.join(root, 'prisma', 'postgres'),
  });
}

function main(argv: string[]): number {
  const check = argv.includes('--check');
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    console.error(`Unknown argument(s): ${unknown.join(' ')} (usage: derive-postgres-schema.ts [--check])`);
    return 2;
  }
  const root = repoRoot();
  const target = path.join(root, POSTGRES_SCHEMA);
  const derived = readDerivedPostgresSchema(root);
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : null;
  if (check) {
    if (current !== derived) {
      console.error(`${POSTGRES_SCHEMA} is out of date with ${SQLITE_SCHEMA}: run \`npm run db:schemas\`.`);
      return 1;
    }
    console.log(`${POSTGRES_SCHEMA} is up to date.`);
    return 0;
  }
  if (current === derived) {
    console.log(`${POSTGRES_SCHEMA} is already up to date.`);
    return 0;
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, derived, 'utf8');
  console.log(`Wrote ${POSTGRES_SCHEMA}.`);
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(`derive-postgres-schema: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
