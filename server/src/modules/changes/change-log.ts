import type { Tx } from '../../db/client';
import { Prisma } from '../../db/generated/sqlite/client';

export type ChangeKind =
  | 'chat:new'
  | 'chat:update'
  | 'chat:removed'
  | 'message:new'
  | 'message:status'
  | 'message:edit'
  | 'message:delete'
  | 'message:hide'
  | 'draft:update'
  | 'settings:update'
  | 'contacts:update'
  | 'device:linked'
  | 'device:revoked';

export interface Change {
  readonly kind: ChangeKind;
  readonly chatId?: string;
  readonly entityId?: string;
}

export interface CommittedChange extends Change {
  readonly userId: string;
  readonly seq: number;
}

/** The generated clients name their provider; the transaction client passes it through. */
function isPostgres(tx: Tx): boolean {
  return (tx as unknown as { _activeProvider?: string })._activeProvider === 'postgresql';
}

/**
 * Whose logs a change goes to: a list of users, or every member of a chat — the members the change's own
 * UPDATE sees (see appendChange).
 */
export type ChangeAudience = readonly string[] | { readonly membersOf: string };

/**
 * Appends one change to the log of each user, inside the caller's transaction. The seq comes from
 * `User.lastSeq`, incremented in the same transaction: per user it is gap-free and totally ordered, and a
 * rolled-back change leaves no seq behind. Devices resume sync from "the last seq I applied".
 *
 * The statements don't grow with the number of users: one UPDATE … RETURNING bumps every user's lastSeq,
 * and the log rows are written from exactly the rows it bumped (INSERT … SELECT, not a parameter per row; a
 * Date parameter is stored exactly as Prisma stores one). For a chat's members the users are a subquery on
 * ChatMember, so the member list never travels to the server process and back as bound parameters.
 * Figures: docs/BENCHMARKS.md rows 14 and earlier.
 *
 * - PostgreSQL: one statement, `WITH bumped AS (UPDATE … RETURNING) INSERT … SELECT FROM bumped`, so every
 *   seq bumped gets its log row even if the membership changed since an earlier statement read it
 *   (READ COMMITTED reads each statement's own snapshot). Locking: the UPDATE holds each user's row lock
 *   until commit, so a user's seqs commit in seq order and the next change for that user waits. A
 *   multi-row UPDATE locks rows in plan order, though, and two transactions locking overlapping users in
 *   different orders would deadlock; so the rows are locked first in id order (`ORDER BY id FOR NO KEY
 *   UPDATE` — the lock an UPDATE takes, which doesn't block foreign-key checks of other inserts). Every
 *   multi-user append goes through here, so every transaction takes user locks in the same order.
 * - SQLite runs one write transaction at a time (one connection, transactions serialized), so nothing can
 *   change between the UPDATE … RETURNING and the INSERT … SELECT that reads the same users' new lastSeq.
 */
export async function appendChange(tx: Tx, audience: ChangeAudience, change: Change): Promise<CommittedChange[]> {
  const listed = Array.isArray(audience) ? [...new Set(audience as readonly string[])].sort() : null;
  if (listed?.length === 0) return [];
  const users = listed
    ? Prisma.sql`${Prisma.join(listed)}`
    : Prisma.sql`SELECT "userId" FROM "ChatMember" WHERE "chatId" = ${(audience as { membersOf: string }).membersOf}`;
  const row = Prisma.sql`${change.kind}, ${change.chatId ?? null}, ${change.entityId ?? null}, ${new Date()}`;
  let bumped: Array<{ userId: string; seq: number | bigint }>;
  if (isPostgres(tx)) {
    if (listed === null || listed.length > 1) {
      await tx.$queryRaw`SELECT count(*) FROM (SELECT "id" FROM "User" WHERE "id" IN (${users}) ORDER BY "id" FOR NO KEY UPDATE) AS locked`;
    }
    bumped = await tx.$queryRaw`
      WITH bumped AS (UPDATE "User" SET "lastSeq" = "lastSeq" + 1 WHERE "id" IN (${users}) RETURNING "id", "lastSeq")
      INSERT INTO "ChangeLog" ("userId", "seq", "kind", "chatId", "entityId", "createdAt")
      SELECT "id", "lastSeq", ${row} FROM bumped
      RETURNING "userId", "seq"`;
  } else {
    bumped = await tx.$queryRaw`
      UPDATE "User" SET "lastSeq" = "lastSeq" + 1 WHERE "id" IN (${users}) RETURNING "id" AS "userId", "lastSeq" AS "seq"`;
    if (bumped.length > 0) {
      await tx.$executeRaw`INSERT INTO "ChangeLog" ("userId", "seq", "kind", "chatId", "entityId", "createdAt")
        SELECT "id", "lastSeq", ${row} FROM "User" WHERE "id" IN (${users})`;
    }
  }
  if (listed && bumped.length !== listed.length) {
    // A foreign key would refuse the log row anyway; say which users are missing instead (the caller's
    // transaction rolls back what was written).
    const found = new Set(bumped.map((u) => u.userId));
    throw new Error(`appendChange: no user ${listed.filter((id) => !found.has(id)).join(', ')}`);
  }
  return bumped
    .map((u): CommittedChange => ({ ...change, userId: u.userId, seq: Number(u.seq) }))
    .sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
}
