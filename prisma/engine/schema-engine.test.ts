import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  applyMigrations,
  createMigration,
  diffMigrationsToSchema,
  migrationStatus,
  orderedMigrationName,
  providerFromUrl,
  readMigrationsList,
  SchemaEngineError,
} from './schema-engine';

const root = path.resolve(__dirname, '..', '..');
const migrationsDir = path.join(root, 'prisma', 'migrations');
const schemaPath = path.join(root, 'prisma', 'schema.prisma');

/** Model names of a schema (the schema maps no model to another table name). */
function modelNames(schemaFile: string): string[] {
  return [...fs.readFileSync(schemaFile, 'utf8').matchAll(/^model\s+(\w+)\s*\{/gm)].map((m) => m[1] ?? '');
}

function tables(dbFile: string): string[] {
  const db = new Database(dbFile, { readonly: true });
  try {
    return (
      db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]
    ).map((r) => r.name);
  } finally {
    db.close();
  }
}

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-engine-test-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('applyMigrations (SQLite)', () => {
  it('applies prisma/migrations to a fresh database once, then has nothing to apply', async () => {
    const dbFile = path.join(tmp, 'fresh.db');
    const url = `file:${dbFile}`;
    const committed = readMigrationsList(migrationsDir).migrationDirectories.map((d) => d.path);
    expect(committed.length).toBeGreaterThan(0);

    const before = await migrationStatus({ provider: 'sqlite', url, migrationsDir });
    expect(before.hasMigrationsTable).toBe(false);
    expect(before.history).toEqual({ diagnostic: 'databaseIsBehind', unappliedMigrationNames: committed });

    const started = Date.now();
    expect(await applyMigrations({ provider: 'sqlite', url, migrationsDir })).toEqual(committed);
    const firstRunMs = Date.now() - started;
    expect(await applyMigrations({ provider: 'sqlite', url, migrationsDir })).toEqual([]);
    // A call is a worker start + wasm instantiation + the SQL: well under a few seconds.
    expect(firstRunMs).toBeLessThan(10_000);

    const db = new Database(dbFile, { readonly: true });
    try {
      const rows = db
        .prepare(
          `SELECT migration_name, finished_at, rolled_back_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name`,
        )
        .all() as {
        migration_name: string;
        finished_at: unknown;
        rolled_back_at: unknown;
        applied_steps_count: number;
      }[];
      expect(rows.map((r) => r.migration_name)).toEqual(committed);
      for (const row of rows) {
        expect(row.finished_at).not.toBeNull();
        expect(row.rolled_back_at).toBeNull();
      }
    } finally {
      db.close();
    }
    expect(tables(dbFile)).toEqual(expect.arrayContaining(['_prisma_migrations', ...modelNames(schemaPath)]));

    const after = await migrationStatus({ provider: 'sqlite', url, migrationsDir });
    expect(after).toMatchObject({
      hasMigrationsTable: true,
      history: null,
      failedMigrationNames: [],
      editedMigrationNames: [],
    });
  });

  it('has a migration for every change of prisma/schema.prisma (no drift)', async () => {
    const missing = await diffMigrationsToSchema({ provider: 'sqlite', schemaPath, migrationsDir });
    if (missing !== null) {
      throw new Error(
        `prisma/schema.prisma has changes no migration covers; run \`npm run db:migrate:create <name>\`:\n${missing}`,
      );
    }
  });

  it('reports a failing migration as P3018, then refuses to continue with P3009', async () => {
    const dir = path.join(tmp, 'migrations');
    fs.mkdirSync(path.join(dir, '20200101000000_broken'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'migration_lock.toml'), 'provider = "sqlite"\n');
    fs.writeFileSync(
      path.join(dir, '20200101000000_broken', 'migration.sql'),
      'CREATE TABLE a (id INTEGER);\nCREATE TABLE a (id INTEGER);\n',
    );
    const url = `file:${path.join(tmp, 'broken.db')}`;

    const first = await applyMigrations({ provider: 'sqlite', url, migrationsDir: dir }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(SchemaEngineError);
    expect(first).toMatchObject({ code: 'P3018', meta: { migration_name: '20200101000000_broken' } });
    expect((first as Error).message).toContain('table a already exists');

    const second = await applyMigrations({ provider: 'sqlite', url, migrationsDir: dir }).catch((e: unknown) => e);
    expect(second).toMatchObject({ name: 'SchemaEngineError', code: 'P3009' });

    // The same history cannot be replayed on a shadow database either.
    const diff = await diffMigrationsToSchema({ provider: 'sqlite', schemaPath, migrationsDir: dir }).catch(
      (e: unknown) => e,
    );
    expect(diff).toMatchObject({ code: 'P3006' });
  });
});

describe('createMigration (SQLite)', () => {
  const schemaV1 = `
datasource db {
  provider = "sqlite"
}

model Author {
  id    String @id
  email String @unique
  books Book[]
}

model Book {
  id       Int    @id @default(autoincrement())
  title    String
  authorId String
  author   Author @relation(fields: [authorId], references: [id], onDelete: Cascade)

  @@index([authorId])
}
`;

  it('writes a migration, a second one for a change, none when nothing changed; they apply cleanly', async () => {
    const dir = path.join(tmp, 'migrations');
    const schemaFile = path.join(tmp, 'schema.prisma');
    fs.writeFileSync(schemaFile, schemaV1);

    const init = await createMigration({
      provider: 'sqlite',
      url: `file:${path.join(tmp, 's1.db')}`,
      schemaPath: schemaFile,
      migrationsDir: dir,
      name: 'init',
    });
    expect(init).not.toBeNull();
    expect(path.basename(init ?? '')).toMatch(/^\d{14}_init$/);
    expect(fs.readFileSync(path.join(init ?? '', 'migration.sql'), 'utf8')).toContain('CREATE TABLE "Book"');
    expect(fs.readFileSync(path.join(dir, 'migration_lock.toml'), 'utf8')).toContain('provider = "sqlite"');

    // A column added to an existing table: replaying `init` (several statements) on the shadow
    // database must work for the engine to see what changed.
    fs.writeFileSync(schemaFile, schemaV1.replace('  title    String\n', '  title    String\n  isbn     String?\n'));
    const second = await createMigration({
      provider: 'sqlite',
      url: `file:${path.join(tmp, 's2.db')}`,
      schemaPath: schemaFile,
      migrationsDir: dir,
      name: 'add_isbn',
    });
    expect(second).not.toBeNull();
    const secondSql = fs.readFileSync(path.join(second ?? '', 'migration.sql'), 'utf8');
    expect(secondSql).toContain('"isbn" TEXT');
    expect(secondSql).not.toContain('CREATE TABLE "Author"');

    const none = await createMigration({
      provider: 'sqlite',
      url: `file:${path.join(tmp, 's3.db')}`,
      schemaPath: schemaFile,
      migrationsDir: dir,
      name: 'noop',
    });
    expect(none).toBeNull();
    expect(await diffMigrationsToSchema({ provider: 'sqlite', schemaPath: schemaFile, migrationsDir: dir })).toBeNull();

    const names = readMigrationsList(dir).migrationDirectories.map((d) => d.path);
    expect(names).toHaveLength(2);
    expect(
      await applyMigrations({ provider: 'sqlite', url: `file:${path.join(tmp, 'app.db')}`, migrationsDir: dir }),
    ).toEqual(names);
    expect(tables(path.join(tmp, 'app.db'))).toEqual(expect.arrayContaining(['Author', 'Book', '_prisma_migrations']));
  });
});

describe('orderedMigrationName', () => {
  it('keeps a name that sorts after the existing ones', () => {
    expect(orderedMigrationName('20260102030405_b', ['20260102030404_a'])).toBe('20260102030405_b');
    expect(orderedMigrationName('20260102030405_b', [])).toBe('20260102030405_b');
  });
  it('moves a same-second (or older) name to one second after the newest migration', () => {
    expect(orderedMigrationName('20260102030405_add', ['20260102030405_init'])).toBe('20260102030406_add');
    expect(orderedMigrationName('20261231235959_add', ['20261231235959_init'])).toBe('20270101000000_add');
    expect(orderedMigrationName('20200101000000_x', ['20260102030405_a', '20250101000000_b'])).toBe('20260102030406_x');
  });
});

describe('providerFromUrl', () => {
  it('maps URL schemes to providers', () => {
    expect(providerFromUrl('file:./dev.db')).toBe('sqlite');
    expect(providerFromUrl('postgres://u@h/db')).toBe('postgresql');
    expect(providerFromUrl('postgresql://u:p@h:5432/db')).toBe('postgresql');
    expect(() => providerFromUrl('mysql://u:secret@h/db')).toThrow(
      /Unsupported database URL "mysql:\/\/u:\*\*\*@h\/db"/,
    );
  });
});
