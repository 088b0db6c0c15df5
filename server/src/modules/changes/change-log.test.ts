import { initCrypto } from '../../../../common/crypto';
import {
  concurrentAppends,
  concurrentGroupSends,
  expectGapFreeAndConsistent,
  insertUsers,
  readLogs,
} from '../../../test/support/concurrent-sends';
import { startTestServer, type TestServer } from '../../../test/support/test-server';
import { appendChange } from './change-log';

/** The change log on SQLite (PostgreSQL: change-log.pg.test.ts). */
describe('appendChange', () => {
  let server: TestServer;

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('concurrent sends to groups with overlapping members: every member hears each message once, seqs gap-free and in one order', async () => {
    const { userIds, expected } = await concurrentGroupSends(server);
    const logs = await readLogs(server.server.deps.db, userIds);
    for (const userId of userIds) {
      const heard = logs
        .get(userId)!
        .filter((r) => r.kind === 'message:new')
        .map((r) => r.entityId);
      expect(heard).toHaveLength(expected.get(userId)!.size);
      expect(new Set(heard)).toEqual(expected.get(userId));
    }
    await expectGapFreeAndConsistent(server.server.deps.db, logs);
  });

  it('concurrent transactions appending for overlapping sets of users, listed in any order', async () => {
    const db = server.server.deps.db;
    const userIds = await insertUsers(db, 30);
    const subsets = await concurrentAppends(db, userIds, 24);
    const logs = await readLogs(db, userIds);
    for (const userId of userIds) {
      expect(logs.get(userId)!.length).toBe(2 * subsets.filter((s) => s.includes(userId)).length);
    }
    await expectGapFreeAndConsistent(db, logs);
  });

  it('returns one change per distinct user with its seq, and a rolled-back append leaves no seq behind', async () => {
    const db = server.server.deps.db;
    const [a, b, c] = await insertUsers(db, 3);
    const first = await db.$transaction((tx) =>
      appendChange(tx, [c!, a!, c!, b!], { kind: 'chat:update', chatId: 'x' }),
    );
    expect(first.map((ch) => [ch.userId, ch.seq, ch.kind, ch.chatId])).toEqual(
      [a!, b!, c!].sort().map((id) => [id, 1, 'chat:update', 'x']),
    );
    await expect(
      db.$transaction(async (tx) => {
        await appendChange(tx, [a!, b!, c!], { kind: 'message:new', chatId: 'x', entityId: 'gone' });
        throw new Error('the mutation failed');
      }),
    ).rejects.toThrow('the mutation failed');
    const second = await db.$transaction((tx) =>
      appendChange(tx, [b!, a!], { kind: 'message:new', chatId: 'x', entityId: 'm2' }),
    );
    expect(second.map((ch) => ch.seq)).toEqual([2, 2]);
    const logs = await readLogs(db, [a!, b!, c!]);
    expect(logs.get(a!)!.map((r) => [r.seq, r.entityId])).toEqual([
      [1, null],
      [2, 'm2'],
    ]);
    expect(logs.get(c!)!.map((r) => r.seq)).toEqual([1]);
    // Written by raw SQL, read back by Prisma as the time of the append.
    const stored = await db.changeLog.findUnique({ where: { userId_seq: { userId: a!, seq: 2 } } });
    expect(Math.abs(stored!.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
    await expectGapFreeAndConsistent(db, logs);
  });

  it("appends to a chat's members as of the transaction, a member added in it included, and to no one else", async () => {
    const db = server.server.deps.db;
    const [a, b, c, outsider] = await insertUsers(db, 4);
    await db.chat.create({ data: { id: 'members-chat', createdByUserId: a!, encryptedMeta: 'meta' } });
    await db.chatMember.createMany({ data: [a!, b!].map((userId) => ({ chatId: 'members-chat', userId })) });
    const appended = await db.$transaction(async (tx) => {
      await tx.chatMember.create({ data: { chatId: 'members-chat', userId: c! } });
      return appendChange(tx, { membersOf: 'members-chat' }, { kind: 'chat:update', chatId: 'members-chat' });
    });
    expect(appended.map((ch) => [ch.userId, ch.seq])).toEqual([a!, b!, c!].sort().map((id) => [id, 1]));
    const logs = await readLogs(db, [a!, b!, c!, outsider!]);
    expect(logs.get(outsider!)).toEqual([]);
    expect([a!, b!, c!].map((id) => logs.get(id)!.map((r) => [r.seq, r.kind, r.chatId]))).toEqual(
      [a!, b!, c!].map(() => [[1, 'chat:update', 'members-chat']]),
    );
    // A chat without members (or none at all) appends nothing.
    expect(
      await db.$transaction((tx) =>
        appendChange(tx, { membersOf: 'no-such-chat' }, { kind: 'chat:update', chatId: 'no-such-chat' }),
      ),
    ).toEqual([]);
    await expectGapFreeAndConsistent(db, logs);
  });

  it('refuses a user that does not exist and stores nothing for the others', async () => {
    const db = server.server.deps.db;
    const [a] = await insertUsers(db, 1);
    await expect(
      db.$transaction((tx) => appendChange(tx, [a!, 'no-such-user'], { kind: 'chat:update', chatId: 'x' })),
    ).rejects.toThrow('appendChange: no user no-such-user');
    expect((await readLogs(db, [a!])).get(a!)).toEqual([]);
    expect((await db.user.findUnique({ where: { id: a! } }))!.lastSeq).toBe(0);
  });
});
