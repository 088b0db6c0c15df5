import type { HeldChat, MessageStatus } from '../../../../common/contract';
import type { Db } from '../../db/client';
import { Prisma } from '../../db/generated/sqlite/client';
import type { ReceiptView } from '../messages/message-row';

/**
 * One row of a fresh sync's history as the wire needs it. The database writes the message's JSON text
 * itself (`head`), so a page is a few strings a row instead of Prisma's model objects (a Date per
 * timestamp, every column, then a MessageRecord object and its JSON.stringify): an L sync moves 500,000
 * rows through the server, and what it allocates per row is what the heap grows by between major GCs.
 */
export interface HistoryRow {
  readonly id: string;
  readonly senderUserId: string;
  /** The stored summary status (receipts.ts turns it into the viewer's view). */
  readonly status: string;
  /** Ciphertext bytes (the batch's byte bound). */
  readonly size: number;
  /** `createdAt` in the database's own text form: the keyset cursor, bound back as the database wrote it. */
  readonly at: string;
  /** The `MessageRecord` JSON up to `keyVersion`, without status, receipt lists and the closing brace. */
  readonly head: string;
}

/** Where the next page starts: after this row (keyset, newest first). */
export interface HistoryCursor {
  readonly at: string;
  readonly id: string;
}

/** The SQL pieces that differ between SQLite and PostgreSQL; everything else is one statement. */
interface Dialect {
  /** A JSON string literal of a text column (never NULL here). */
  quote(column: string): string;
  /** The ISO-8601 text `Date.toISOString()` gives (`2026-12-03T17:52:03.123Z`) of a timestamp column. */
  iso(column: string): string;
  /** The column as text, exactly as `cursorValue` below compares with it. */
  cursorText(column: string): string;
  /** A bound cursor value, comparable with the column. */
  cursorValue(value: string): Prisma.Sql;
  /** A client's ISO-8601 time, comparable with a timestamp column (the held-history filter). */
  since(iso: string): Prisma.Sql;
  /** Whether the `since` comparison applies to the column itself or to `iso(column)`. */
  sinceColumn(column: string): string;
}

const sqlite: Dialect = {
  quote: (c) => `json_quote(${c})`,
  // Prisma's SQLite adapter stores DateTime as ISO-8601 text with `+00:00`; strftime reads any such form.
  iso: (c) => `strftime('%Y-%m-%dT%H:%M:%fZ', ${c})`,
  cursorText: (c) => `CAST(${c} AS TEXT)`,
  cursorValue: (v) => Prisma.sql`${v}`,
  since: (iso) => Prisma.sql`strftime('%Y-%m-%dT%H:%M:%fZ', ${iso})`,
  sinceColumn: (c) => `strftime('%Y-%m-%dT%H:%M:%fZ', ${c})`,
};

const postgres: Dialect = {
  quote: (c) => `to_json(${c})::text`,
  // TIMESTAMP(3) without time zone, holding UTC (as Prisma writes it).
  iso: (c) => `to_char(${c}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
  cursorText: (c) => `${c}::text`,
  cursorValue: (v) => Prisma.sql`CAST(${v} AS TIMESTAMP(3))`,
  since: (iso) => Prisma.sql`(CAST(${iso} AS TIMESTAMPTZ) AT TIME ZONE 'UTC')`,
  sinceColumn: (c) => c,
};

/** The generated clients name their provider (as change-log.ts reads it). */
function dialectOf(db: Db): Dialect {
  return (db as unknown as { _activeProvider?: string })._activeProvider === 'postgresql' ? postgres : sqlite;
}

/** 9999-12-31T23:59:59.999Z: the last instant both databases' ISO-8601 parsers read. */
const LAST_MS = 253_402_300_799_999;

const headSql = new WeakMap<Dialect, Prisma.Sql>();

/** The select list: every value in it is a column of the row, JSON-quoted by the database. */
function selectList(d: Dialect): Prisma.Sql {
  let sql = headSql.get(d);
  if (sql) return sql;
  const q = (column: string) => d.quote(`m."${column}"`);
  const text = (s: string) => `'${s}'`;
  const head = [
    `${text('{"messageId":')} || ${q('id')}`,
    `${text(',"chatId":')} || ${q('chatId')}`,
    `${text(',"senderUserId":')} || ${q('senderUserId')}`,
    `${text(',"senderDeviceId":')} || ${q('senderDeviceId')}`,
    `${text(',"clientKey":')} || ${q('clientKey')}`,
    `${text(',"ciphertext":')} || ${q('ciphertext')}`,
    `${text(',"createdAt":"')} || ${d.iso('m."createdAt"')} || '"'`,
    // toMessageRecord: an edit only when both its ciphertext and its time are there.
    `${text(',"edit":')} || CASE WHEN m."editCiphertext" IS NOT NULL AND m."editedAt" IS NOT NULL THEN ` +
      `'{"version":' || CAST(m."editVersion" AS TEXT) || ',"ciphertext":' || ${q('editCiphertext')} || ` +
      `',"editedAt":"' || ${d.iso('m."editedAt"')} || '"}' ELSE 'null' END`,
    `${text(',"deletedAt":')} || CASE WHEN m."deletedAt" IS NULL THEN 'null' ELSE '"' || ${d.iso('m."deletedAt"')} || '"' END`,
    `${text(',"keyVersion":')} || CAST(m."keyVersion" AS TEXT)`,
  ].join(' || ');
  sql = Prisma.raw(
    `m."id" AS "id", m."senderUserId" AS "senderUserId", m."status" AS "status", m."size" AS "size", ` +
      `${d.cursorText('m."createdAt"')} AS "at", ${head} AS "head"`,
  );
  headSql.set(d, sql);
  return sql;
}

/**
 * One page of a chat's history for `userId`, newest first: after `after` (keyset) or, with no cursor,
 * skipping the `skip` newest rows (a resumed chat's first page). The same rows, in the same order, as
 * the model query it replaces (history-page.test.ts checks both databases against it): messages the user
 * hid for themselves are left out, and a relinked desktop's kept chat (`held`) gets only what it may lack.
 */
export function readHistoryPage(
  db: Db,
  userId: string,
  chatId: string,
  after: HistoryCursor | null,
  skip: number,
  take: number,
  held: HeldChat | undefined,
): Promise<HistoryRow[]> {
  const d = dialectOf(db);
  const where: Prisma.Sql[] = [
    Prisma.sql`m."chatId" = ${chatId}`,
    Prisma.sql`NOT EXISTS (SELECT 1 FROM "HiddenMessage" h WHERE h."messageId" = m."id" AND h."userId" = ${userId})`,
  ];
  if (after) {
    const at = d.cursorValue(after.at);
    where.push(Prisma.sql`(m."createdAt" < ${at} OR (m."createdAt" = ${at} AND m."id" < ${after.id}))`);
  }
  if (held) {
    // Created, edited or deleted from `since` on (a NULL time compares as unknown: not "from since on").
    // `since` is ms on the server's clock; past year 9999 nothing is "from then on" either way.
    const since = d.since(new Date(Math.min(held.since, LAST_MS)).toISOString());
    const col = (c: string) => Prisma.raw(d.sinceColumn(`m."${c}"`));
    where.push(
      Prisma.sql`(${col('createdAt')} >= ${since} OR ${col('editedAt')} >= ${since} OR ${col('deletedAt')} >= ${since})`,
    );
    if (held.except.length > 0) where.push(Prisma.sql`m."id" NOT IN (${Prisma.join(held.except)})`);
  }
  const offset = after === null && skip > 0 ? Prisma.sql` OFFSET ${skip}` : Prisma.empty;
  return db.$queryRaw<HistoryRow[]>`SELECT ${selectList(d)} FROM "Message" m WHERE ${Prisma.join(where, ' AND ')}
    ORDER BY m."createdAt" DESC, m."id" DESC LIMIT ${take}${offset}`;
}

/**
 * The row's complete `MessageRecord` JSON as `viewer` sees it: the database's head plus the status and,
 * on the viewer's own messages, who delivered and read it (receipts.ts). The same value as
 * `JSON.stringify(toMessageRecord(row, view))`, with the keys in another order.
 */
export function historyRowJson(row: HistoryRow, view: ReceiptView | undefined): string {
  const status: MessageStatus = view?.status ?? (row.status as MessageStatus);
  let text = `${row.head},"status":${JSON.stringify(status)}`;
  if (view?.deliveredTo) text += `,"deliveredTo":${JSON.stringify(view.deliveredTo)}`;
  if (view?.readBy) text += `,"readBy":${JSON.stringify(view.readBy)}`;
  return `${text}}`;
}
