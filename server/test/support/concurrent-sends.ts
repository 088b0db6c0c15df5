import { randomUUID } from 'node:crypto';
import { sendText, startChat } from '../../../mobile-pairing/src/core/chats';
import type { Db } from '../../src/db/client';
import { appendChange } from '../../src/modules/changes/change-log';
import { signUpPhone } from './phone';
import type { TestServer } from './test-server';

type LogRow = { userId: string; seq: number; kind: string; chatId: string | null; entityId: string | null };

/**
 * Group chats with overlapping members (every pair of the `users` phones shares at least one), and
 * `perChat` messages sent into each chat by all its members at once, over HTTP. Returns the users and
 * the ids of the messages each one should have been told about.
 */
export async function concurrentGroupSends(server: TestServer, users = 5, perChat = 6) {
  const phones: Array<Awaited<ReturnType<typeof signUpPhone>>> = [];
  for (let i = 0; i < users; i++) phones.push(await signUpPhone(server, `grp${i}`));
  // Chat i holds phones i, i+1, i+2 (mod users), and one chat holds everybody.
  const memberSets = phones.map((_, i) => [0, 1, 2].map((k) => phones[(i + k) % users]!));
  memberSets.push(phones);
  const chats = [];
  for (const [i, members] of memberSets.entries()) {
    const [owner, ...others] = members;
    const { chat, chatKey } = await startChat(owner!.api, owner!.session, {
      title: `group ${i}`,
      memberUsernames: others.map((p) => p.session.username),
    });
    chats.push({ chatId: chat.chatId, chatKey, members });
  }
  const sent = await Promise.all(
    chats.flatMap(({ chatId, chatKey, members }) =>
      Array.from({ length: perChat }, (_, n) => {
        const from = members[n % members.length]!;
        return sendText(from.api, from.session, chatId, chatKey, `message ${n}`).then((m) => ({
          messageId: m.messageId,
          members,
        }));
      }),
    ),
  );
  const expected = new Map(phones.map((p) => [p.session.userId, new Set<string>()]));
  for (const { messageId, members } of sent) for (const m of members) expected.get(m.session.userId)!.add(messageId);
  return { userIds: phones.map((p) => p.session.userId), expected };
}

/** Users straight in the database (the change log needs only their rows), for appends without HTTP. */
export async function insertUsers(db: Db, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  await db.user.createMany({
    data: ids.map((id) => ({
      id,
      username: `u${id.slice(0, 8)}${id.slice(-6)}`,
      kdfSalt: 's',
      kdfOpsLimit: 1,
      kdfMemLimit: 1,
      authKeyHash: 'h',
      wrappedMasterKey: 'w',
      identityPublicKey: 'p',
      wrappedIdentitySecretKey: 'w',
    })),
  });
  return ids;
}

/**
 * `transactions` transactions at once, each appending `perTransaction` changes for its own subset of
 * `userIds` — subsets of every size, so the database reads them by index for some and by table scan
 * for others, and listed in a scrambled order. Returns each transaction's subset.
 */
export async function concurrentAppends(db: Db, userIds: readonly string[], transactions: number, perTransaction = 2) {
  const subsets = Array.from({ length: transactions }, (_, t) => {
    const size = 2 + ((t * 7) % (userIds.length - 1));
    const start = (t * 5) % userIds.length;
    const subset = Array.from({ length: size }, (_, k) => userIds[(start + k * 3) % userIds.length]!);
    return [...new Set(subset)].reverse();
  });
  await Promise.all(
    subsets.map((subset, t) =>
      db.$transaction(
        async (tx) => {
          for (let n = 0; n < perTransaction; n++)
            await appendChange(tx, subset, { kind: 'message:new', chatId: `c${t}`, entityId: `m${t}.${n}` });
        },
        { timeout: 30_000, maxWait: 30_000 },
      ),
    ),
  );
  return subsets;
}

export async function readLogs(db: Db, userIds: readonly string[]): Promise<Map<string, LogRow[]>> {
  const rows = await db.changeLog.findMany({
    where: { userId: { in: [...userIds] } },
    orderBy: [{ userId: 'asc' }, { seq: 'asc' }],
  });
  const logs = new Map(userIds.map((id) => [id, [] as LogRow[]]));
  for (const row of rows) logs.get(row.userId)!.push(row);
  return logs;
}

/**
 * Per user the seqs are 1..n with no gap and match User.lastSeq; and any two users told about the same
 * two entities were told in the same order (a change is one transaction for all its users).
 */
export async function expectGapFreeAndConsistent(db: Db, logs: Map<string, LogRow[]>): Promise<void> {
  const users = await db.user.findMany({
    where: { id: { in: [...logs.keys()] } },
    select: { id: true, lastSeq: true },
  });
  for (const { id, lastSeq } of users) {
    const seqs = logs.get(id)!.map((r) => r.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(lastSeq).toBe(seqs.length);
  }
  const position = new Map([...logs].map(([userId, rows]) => [userId, new Map(rows.map((r, i) => [r.entityId, i]))]));
  const ids = [...logs.keys()];
  for (const [i, a] of ids.entries()) {
    for (const b of ids.slice(i + 1)) {
      const inA = position.get(a)!;
      const inB = position.get(b)!;
      const shared = [...inA.keys()].filter((e) => e !== null && inB.has(e));
      const orderInB = shared.sort((x, y) => inA.get(x)! - inA.get(y)!).map((e) => inB.get(e)!);
      expect(orderInB).toEqual([...orderInB].sort((x, y) => x - y));
    }
  }
}
