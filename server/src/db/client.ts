import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient as PostgresClient } from './generated/postgres/client';
import { PrismaClient as SqliteClient } from './generated/sqlite/client';

/**
 * Prisma binds a generated client to one provider, so there are two, generated from one model file
 * (prisma/schema.prisma, and prisma/postgres/schema.prisma derived from it with a drift check). Their model
 * APIs are identical; the SQLite client's type is the one the code is written against.
 */
export type Db = SqliteClient;
export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

export function createDb(databaseUrl: string): Db {
  if (isPostgresUrl(databaseUrl)) {
    const client = new PostgresClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
    return client as unknown as Db;
  }
  return new SqliteClient({ adapter: new PrismaBetterSqlite3({ url: databaseUrl }) });
}
