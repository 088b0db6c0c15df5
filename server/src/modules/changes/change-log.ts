import type { Tx } from '../../db/client';
import { Prisma } from '../../db/generated/sqlite/client';

export type ChangeKind =
  | 'chat:new'
  | 'chat:update'
  | 'message:new'
  | 'message:status'
  | 'draft:update'
  | 'settings:update'
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

/** Whose logs a change goes to: a list of users, or every member of a chat (as of this transaction). */
export type ChangeAudience = readonly string[] | { readonly membersOf: string };

/**
 * Appends one change to the log of each user, inside the caller's transaction. The seq comes from
 * `User.lastSeq`, incremented in the same transaction: per user it is gap-free and totally ordered, and a
 * rolled-back change leaves no seq behind. Devices resume sync from "the last seq I applied".
 *
 * The statements don't grow with the number of users (a message to a group of 1,000 was 2,000 of them):
 * one UPDATE … RETURNING bumps every user's lastSeq, one INSERT … SELECT writes the log rows straight
 * from the users' new lastSeq. (Prisma's `createMany` of 1,000 rows took 100–250 ms on SQLite, building
 * 6,000 parameters in chunks; the INSERT … SELECT takes ~5 ms. Its SQL is the same on both providers, and
 * a Date parameter is stored exactly as Prisma stores one.) For a chat's members the users are a
 * subquery on ChatMember: the member list never travels to the server process and back as 2 × 1,000
 * bound parameters (the send of a 1,000-member group: ~15 → ~5 ms).
 *
 * Locking (PostgreSQL): the UPDATE holds each user's row lock until commit, so a user's seqs commit in
 * seq order and the next change for that user waits. A multi-row UPDATE locks rows in plan order, though,
 * and two transactions locking overlapping users in different orders would deadlock; so the rows are
 * locked first in id order (`ORDER BY id FOR NO KEY UPDATE` — the lock an UPDATE takes, which doesn't
 * block foreign-key checks of other inserts). Every multi-user append goes through here, so every
 * transaction takes user locks in the same order. SQLite runs one write transaction at a time.
 */
export async function appendChange(tx: Tx, audience: ChangeAudience, change: Change): Promise<CommittedChange[]> {
  const listed = Array.isArray(audience) ? [...new Set(audience as readonly string[])].sort() : null;
  if (listed?.length === 0) return [];
  const users = listed
    ? Prisma.sql`${Prisma.join(listed)}`
    : Prisma.sql`SELECT "userId" FROM "ChatMember" WHERE "chatId" = ${(audience as { membersOf: string }).membersOf}`;
  if ((listed === null || listed.length > 1) && isPostgres(tx)) {
    await tx.$queryRaw`SELECT count(*) FROM (SELECT "id" FROM "User" WHERE "id" IN (${users}) ORDER BY "id" FOR NO KEY UPDATE) AS locked`;
  }
  const bumped = await tx.$queryRaw<Array<{ id: string; lastSeq: number | bigint }>>`
    UPDATE "User" SET "lastSeq" = "lastSeq" + 1 WHERE "id" IN (${users}) RETURNING "id", "lastSeq"`;
  if (listed && bumped.length !== listed.length) {
    // A foreign key would refuse the log row anyway; say which users are missing instead.
    const found = new Set(bumped.map((u) => u.id));
    throw new Error(`appendChange: no user ${listed.filter((id) => !found.has(id)).join(', ')}`);
  }
  if (bumped.length === 0) return [];
  // The users' rows are locked by the UPDATE above: lastSeq read here is the seq it just allocated.
  await tx.$executeRaw`INSERT INTO "ChangeLog" ("userId", "seq", "kind", "chatId", "entityId", "createdAt")
    SELECT "id", "lastSeq", ${change.kind}, ${change.chatId ?? null}, ${change.entityId ?? null}, ${new Date()}
    FROM "User" WHERE "id" IN (${users})`;
  return bumped
    .map((u): CommittedChange => ({ ...change, userId: u.id, seq: Number(u.lastSeq) }))
    .sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
}
