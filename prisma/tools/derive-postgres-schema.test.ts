import fs from 'node:fs';
import path from 'node:path';
import { derivePostgresSchema, POSTGRES_SCHEMA, readDerivedPostgresSchema, repoRoot } from './derive-postgres-schema';

const root = repoRoot(__dirname);
const dirs = { sqliteSchemaDir: path.join(root, 'prisma'), postgresSchemaDir: path.join(root, 'prisma', 'postgres') };

describe('prisma/postgres/schema.prisma', () => {
  it('is exactly the schema derived from prisma/schema.prisma (run `npm run db:schemas` after a schema change)', () => {
    const committed = fs.readFileSync(path.join(root, POSTGRES_SCHEMA), 'utf8');
    expect(committed).toBe(readDerivedPostgresSchema(root));
  });

  it('differs from the SQLite schema only in provider, generator output and banner', () => {
    const sqlite = fs.readFileSync(path.join(root, 'prisma', 'schema.prisma'), 'utf8');
    const derived = readDerivedPostgresSchema(root);
    expect(derived).toContain('provider = "postgresql"');
    expect(derived).toContain('output       = "../../server/src/db/generated/postgres"');
    const strip = (text: string) =>
      text
        .split('\n')
        .filter(
          (l) =>
            !/^\s*(provider|output)\s*=/.test(l) && !l.startsWith('// GENERATED') && !l.startsWith('// Do not edit'),
        )
        .join('\n');
    expect(strip(derived)).toBe(strip(sqlite));
  });
});

describe('derivePostgresSchema', () => {
  const schema = (datasource: string, model = 'model A {\n  id String @id\n}\n') =>
    `generator client {\n  provider = "prisma-client"\n  output   = "../server/src/db/generated/sqlite"\n}\n\ndatasource db {\n${datasource}}\n\n${model}`;

  it('rewrites the provider and re-bases the generator output', () => {
    const out = derivePostgresSchema(schema('  provider = "sqlite"\n'), dirs);
    expect(out).toContain('  provider = "postgresql"\n');
    expect(out).toContain('  output   = "../../server/src/db/generated/postgres"\n');
    expect(out).toContain('  provider = "prisma-client"\n');
    expect(out).toContain('model A {\n  id String @id\n}\n');
  });

  it('refuses what it cannot derive mechanically', () => {
    expect(() => derivePostgresSchema(schema('  provider = "mysql"\n'), dirs)).toThrow(/expected provider "sqlite"/);
    expect(() => derivePostgresSchema(schema('  provider = "sqlite"\n  relationMode = "prisma"\n'), dirs)).toThrow(
      /unsupported datasource setting/,
    );
    expect(() =>
      derivePostgresSchema(schema('  provider = "sqlite"\n', 'model A {\n  id String @id @db.Text\n}\n'), dirs),
    ).toThrow(/native type/);
    expect(() =>
      derivePostgresSchema(schema('  provider = "sqlite"\n').replace('generated/sqlite', 'generated/client'), dirs),
    ).toThrow(/must end in "\/sqlite"/);
  });
});
