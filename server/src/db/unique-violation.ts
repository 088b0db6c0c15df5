/**
 * A unique-constraint violation (Prisma's P2002), read the same way from SQLite and PostgreSQL.
 *
 * Two requests can both pass a "does it exist?" check and then both insert; the database's unique index
 * is the only check that holds under concurrency, so its violation is an expected answer (409), not a bug.
 * Through the driver adapters SQLite names the columns (`constraint.fields`) while PostgreSQL names the
 * index (`constraint.index`, Prisma's `<Model>_<field>_key` / `<Model>_pkey`); both are returned as fields.
 */
export interface UniqueViolation {
  readonly model: string | undefined;
  /** The unique columns, or `['<primary key>']` when PostgreSQL reports only the primary-key index. */
  readonly fields: readonly string[];
}

interface PrismaLikeError {
  code?: unknown;
  meta?: {
    modelName?: unknown;
    target?: unknown;
    driverAdapterError?: {
      cause?: {
        constraint?: { fields?: unknown; index?: unknown };
        table?: unknown;
      };
    };
  };
}

export const PRIMARY_KEY = '<primary key>';

function fieldsFromIndex(index: string, table: string | undefined): string[] {
  if (table && index === `${table}_pkey`) return [PRIMARY_KEY];
  const withoutTable = table && index.startsWith(`${table}_`) ? index.slice(table.length + 1) : index;
  return [withoutTable.replace(/_key$/, '')];
}

export function uniqueViolation(error: unknown): UniqueViolation | null {
  if (typeof error !== 'object' || error === null) return null;
  const { code, meta } = error as PrismaLikeError;
  if (code !== 'P2002') return null;
  const cause = meta?.driverAdapterError?.cause;
  const table = typeof cause?.table === 'string' ? cause.table : undefined;
  const model = typeof meta?.modelName === 'string' ? meta.modelName : table;
  const fields = cause?.constraint?.fields;
  if (Array.isArray(fields)) return { model, fields: fields.map(String) };
  const index = cause?.constraint?.index;
  if (typeof index === 'string') return { model, fields: fieldsFromIndex(index, table) };
  if (Array.isArray(meta?.target)) return { model, fields: meta.target.map(String) };
  if (typeof meta?.target === 'string') return { model, fields: fieldsFromIndex(meta.target, table) };
  return { model, fields: [] };
}
