import Database from 'better-sqlite3';
import { TOTALS_MIGRATION, useSqliteBeforeMigration } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

const current = useSqliteBeforeMigration('totals-backfill', TOTALS_MIGRATION);

describe('chat_message_totals migration (SQLite)', () => {
  it("fills each chat's message count and byte total from the messages already stored", async () => {
    const { file, url, pending } = current();

    const db = new Database(file);
    db.pragma('foreign_keys = OFF'); // only the rows the backfill reads
    const chat = db.prepare('INSERT INTO "Chat" (id, createdByUserId, encryptedMeta) VALUES (?, ?, ?)');
    const message = db.prepare(
      'INSERT INTO "Message" (id, chatId, senderUserId, senderDeviceId, clientKey, ciphertext, size) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    chat.run('busy', 'u1', 'meta');
    chat.run('quiet', 'u1', 'meta');
    for (const [i, size] of [120, 300, 4_000].entries())
      message.run(`m${i}`, 'busy', 'u1', 'd1', `k${i}`, 'x'.repeat(size), size);
    db.close();

    expect(await applyPendingMigrations(url)).toEqual(pending);

    const after = new Database(file, { readonly: true });
    try {
      const rows = after.prepare('SELECT id, messageCount, messageBytes FROM "Chat" ORDER BY id').all();
      expect(rows).toEqual([
        { id: 'busy', messageCount: 3, messageBytes: 4_420 },
        { id: 'quiet', messageCount: 0, messageBytes: 0 },
      ]);
      // The messages themselves are untouched by the table rebuild.
      expect((after.prepare('SELECT COUNT(*) AS n FROM "Message"').get() as { n: number }).n).toBe(3);
    } finally {
      after.close();
    }
  });
});
