import { randomId } from '../../../common/crypto';
import type { HeldChat, MessageRecord } from '../../../common/contract';
import { startChat } from '../../../mobile-pairing/src/core/chats';
import type { Db } from '../../src/db/client';
import type { Prisma } from '../../src/db/generated/sqlite/client';
import { type MessageRow, receiptViews, toMessageRecord } from '../../src/modules/messages/message-row';
import {
  type HistoryCursor,
  type HistoryRow,
  historyRowJson,
  readHistoryPage,
} from '../../src/modules/sync/fresh-sync';
import { signUpPhone } from './phone';
import type { TestServer } from './test-server';

/**
 * What the fresh sync read before its raw page query: Prisma's model query, then `toMessageRecord` with the
 * viewer's receipts. Kept here as the reference the raw query must match row for row, on both databases.
 */
async function referencePage(
  db: Db,
  userId: string,
  chatId: string,
  after: { createdAt: Date; id: string } | null,
  skip: number,
  take: number,
  held: HeldChat | undefined,
): Promise<MessageRow[]> {
  const visible = { chatId, hiddenBy: { none: { userId } } };
  const and: Prisma.MessageWhereInput[] = [];
  if (after)
    and.push({ OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] });
  if (held) {
    const since = new Date(held.since);
    and.push({ OR: [{ createdAt: { gte: since } }, { editedAt: { gte: since } }, { deletedAt: { gte: since } }] });
    if (held.except.length > 0) and.push({ id: { notIn: held.except } });
  }
  return db.message.findMany({
    where: and.length > 0 ? { ...visible, AND: and } : visible,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    ...(after === null && skip > 0 ? { skip } : {}),
    take,
  });
}

/** A chat of three people whose 40 messages cover every column the wire carries, plus hides and receipts. */
export async function seedVariedChat(server: TestServer) {
  const db = server.server.deps.db;
  const [a, b, c] = [
    await signUpPhone(server, 'pga'),
    await signUpPhone(server, 'pgb'),
    await signUpPhone(server, 'pgc'),
  ];
  const { chat } = await startChat(a!.api, a!.session, {
    title: 'varied',
    memberUsernames: [b!.session.username, c!.session.username],
  });
  const chatId = chat.chatId;
  const people = [a!, b!, c!];
  const base = Date.UTC(2026, 10, 20, 8, 0, 0, 0);
  const ids = Array.from({ length: 40 }, () => randomId());
  await db.message.createMany({
    data: ids.map((id, i) => {
      const from = people[i % 3]!.session;
      const edited = i % 5 === 1;
      const deleted = i % 11 === 4;
      return {
        id,
        chatId,
        senderUserId: from.userId,
        senderDeviceId: from.deviceId,
        // Characters JSON must escape, and some it must not (non-ASCII, an astral one).
        clientKey: `k${i}:"quoted" \\ back\tslash \u0001 é 😀 </script>`,
        ciphertext: deleted ? '' : `v1.${'A'.repeat(32)}.${String(i).repeat(30)}`,
        size: deleted ? 0 : 66,
        status: ['sent', 'delivered', 'read'][i % 3]!,
        // Three rows share each millisecond: the id breaks the tie, on a page boundary too.
        createdAt: new Date(base + Math.floor(i / 3) * 1000 + (i % 2 ? 7 : 0)),
        ...(edited ? { editVersion: 2, editCiphertext: `v1.edit${i}`, editedAt: new Date(base + 86_400_000 + i) } : {}),
        // An edit's text without its time is no edit on the wire (toMessageRecord).
        ...(i === 12 ? { editVersion: 1, editCiphertext: 'v1.orphan' } : {}),
        ...(deleted ? { deletedAt: new Date(base + 2 * 86_400_000 + i) } : {}),
        keyVersion: i < 20 ? 1 : 2,
      };
    }),
  });
  // A hides two messages for themselves; B hides another (A still gets that one).
  await db.hiddenMessage.createMany({
    data: [
      { userId: a!.session.userId, messageId: ids[3]!, chatId },
      { userId: a!.session.userId, messageId: ids[17]!, chatId },
      { userId: b!.session.userId, messageId: ids[5]!, chatId },
    ],
  });
  // Receipts: on A's own messages (lists), A's own on others' (status), none at all on some (legacy status).
  const receipts: Prisma.MessageReceiptCreateManyInput[] = [];
  ids.forEach((messageId, i) => {
    const sender = i % 3;
    if (i % 4 === 3) return;
    for (const [p, who] of people.entries()) {
      if (p === sender || (i + p) % 3 === 0) continue;
      receipts.push({
        messageId,
        chatId,
        userId: who.session.userId,
        deliveredAt: new Date(base + 3 * 86_400_000 + i * 10 + p),
        readAt: i % 2 === 0 ? new Date(base + 4 * 86_400_000 + i * 10 - p) : null,
      });
    }
  });
  await db.messageReceipt.createMany({ data: receipts });
  return { db, chatId, viewer: a!.session.userId, ids, base };
}

/** The raw query's pages as records, and the reference's, walked the same way (keyset after the first). */
export async function bothWays(
  db: Db,
  viewer: string,
  chatId: string,
  options: { pageSize: number; skip?: number; held?: HeldChat },
): Promise<{ raw: MessageRecord[]; reference: MessageRecord[]; rawRows: HistoryRow[] }> {
  const { pageSize, skip = 0, held } = options;
  const raw: MessageRecord[] = [];
  const rawRows: HistoryRow[] = [];
  let cursor: HistoryCursor | null = null;
  for (;;) {
    const rows = await readHistoryPage(db, viewer, chatId, cursor, skip, pageSize, held);
    const views = await receiptViews(db, viewer, rows);
    for (const row of rows) raw.push(JSON.parse(historyRowJson(row, views.get(row.id))) as MessageRecord);
    rawRows.push(...rows);
    if (rows.length < pageSize) break;
    cursor = { at: rows.at(-1)!.at, id: rows.at(-1)!.id };
  }
  const reference: MessageRecord[] = [];
  let after: { createdAt: Date; id: string } | null = null;
  for (;;) {
    const rows = await referencePage(db, viewer, chatId, after, skip, pageSize, held);
    const views = await receiptViews(db, viewer, rows);
    // Through JSON as the wire carries it (drops the keys toMessageRecord leaves undefined).
    for (const row of rows) reference.push(JSON.parse(JSON.stringify(toMessageRecord(row, views.get(row.id)))));
    if (rows.length < pageSize) break;
    after = { createdAt: rows.at(-1)!.createdAt, id: rows.at(-1)!.id };
  }
  return { raw, reference, rawRows };
}

/** The assertions both databases run (history-page.test.ts, history-page.pg.test.ts). */
export function historyPageScenarios(server: () => TestServer): void {
  it('reads every page exactly as the model query did: same rows, order, hides, receipts, edits, deletes', async () => {
    const { db, chatId, viewer, ids } = await seedVariedChat(server());
    for (const pageSize of [7, 3, 200]) {
      const { raw, reference, rawRows } = await bothWays(db, viewer, chatId, { pageSize });
      expect(raw).toHaveLength(38); // 40 minus the two A hid
      expect(raw).toEqual(reference);
      expect(raw.map((m) => m.messageId)).not.toContain(ids[3]);
      expect(raw.map((m) => m.messageId)).toContain(ids[5]);
      expect(rawRows.map((r) => r.size)).toEqual(raw.map((m) => (m.deletedAt ? 0 : 66)));
    }
    // The varied columns really are there (not a vacuous match).
    const { raw } = await bothWays(db, viewer, chatId, { pageSize: 50 });
    expect(raw.some((m) => m.edit !== null)).toBe(true);
    expect(raw.some((m) => m.deletedAt !== null)).toBe(true);
    expect(raw.some((m) => (m.deliveredTo?.length ?? 0) > 0 && (m.readBy?.length ?? 0) > 0)).toBe(true);
    expect(new Set(raw.map((m) => m.status))).toEqual(new Set(['sent', 'delivered', 'read']));
    expect(raw.find((m) => m.clientKey.startsWith('k12:'))?.edit).toBeNull();
  });

  it('a resumed chat skips its newest rows first (offset), then pages by keyset', async () => {
    const { db, chatId, viewer } = await seedVariedChat(server());
    const { raw, reference } = await bothWays(db, viewer, chatId, { pageSize: 6, skip: 5 });
    expect(raw).toEqual(reference);
    expect(raw).toHaveLength(33);
  });

  it("a relinked desktop's kept chat gets only what changed from `since` on, minus the ids it holds", async () => {
    const { db, chatId, viewer, ids, base } = await seedVariedChat(server());
    const held: HeldChat = { chatId, since: base + 7000, except: [ids[30]!, ids[31]!] };
    const { raw, reference } = await bothWays(db, viewer, chatId, { pageSize: 4, held });
    expect(raw).toEqual(reference);
    expect(raw.map((m) => m.messageId)).not.toContain(ids[30]);
    // Older messages come only because they were edited or deleted later.
    expect(raw.some((m) => Date.parse(m.createdAt) < base + 7000)).toBe(true);
    expect(raw.every((m) => Date.parse(m.createdAt) >= base + 7000 || m.edit || m.deletedAt)).toBe(true);
    // A `since` past any date either database reads: nothing is newer.
    // (The model query refused such a time: `new Date` of it is invalid.)
    const far: HeldChat = { chatId, since: Number.MAX_SAFE_INTEGER, except: [] };
    expect(await readHistoryPage(db, viewer, chatId, null, 0, 10, far)).toEqual([]);
  });
}
