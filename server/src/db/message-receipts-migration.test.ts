import Database from 'better-sqlite3';
import { MESSAGE_RECEIPTS_MIGRATION, useSqliteBeforeMigration } from '../../test/support/migrations-before';
import { receiptViews } from '../modules/messages/message-row';
import { createDb } from './client';
import { applyPendingMigrations } from './migrate';

const current = useSqliteBeforeMigration('message-receipts-migration', MESSAGE_RECEIPTS_MIGRATION);

describe('message_receipts migration (SQLite)', () => {
  it('keeps each message and its one status: recipients of an old "read" message still see it read', async () => {
    const { file, url, pending } = current();
    const db = new Database(file);
    db.pragma('foreign_keys = OFF'); // only the rows this test reads
    db.prepare(
      `INSERT INTO "Message" (id, chatId, senderUserId, senderDeviceId, clientKey, ciphertext, size, status)
       VALUES ('m1', 'c1', 'u1', 'd1', 'k1', 'v1.body', 7, 'read'), ('m2', 'c1', 'u1', 'd1', 'k2', 'v1.body', 7, 'sent')`,
    ).run();
    db.close();

    expect(await applyPendingMigrations(url)).toEqual(pending);

    const prisma = createDb(url);
    try {
      const rows = await prisma.message.findMany({ orderBy: { id: 'asc' } });
      expect(rows.map((r) => [r.id, r.status])).toEqual([
        ['m1', 'read'],
        ['m2', 'sent'],
      ]);
      const forRecipient = await receiptViews(prisma, 'u2', rows);
      expect(forRecipient.get('m1')).toEqual({ status: 'read' });
      expect(forRecipient.get('m2')).toEqual({ status: 'sent' });
      const forSender = await receiptViews(prisma, 'u1', rows);
      expect(forSender.get('m1')).toEqual({ status: 'read', deliveredTo: [], readBy: [] });
    } finally {
      await prisma.$disconnect();
    }

    const after = new Database(file);
    try {
      after.pragma('foreign_keys = ON');
      after
        .prepare(
          `INSERT INTO "MessageReceipt" (messageId, userId, chatId, deliveredAt, readAt) VALUES ('m2', 'u2', 'c1', 1, NULL)`,
        )
        .run();
      // Receipts go with their message.
      after.prepare(`DELETE FROM "Message" WHERE id = 'm2'`).run();
      expect(after.prepare('SELECT count(*) AS n FROM "MessageReceipt"').get()).toEqual({ n: 0 });
    } finally {
      after.close();
    }
  });
});
