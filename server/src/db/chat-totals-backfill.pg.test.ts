import { usePostgresBeforeMigration } from '../../test/support/pg-database';
import { TOTALS_MIGRATION } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

// Needs PostgreSQL at PG_ADMIN_URL (default: the local server, trust auth). Run with `npm run test:pg`.
const current = usePostgresBeforeMigration('symc_test_totals', TOTALS_MIGRATION);

describe('chat_message_totals migration (PostgreSQL)', () => {
  it("fills each chat's message count and byte total from the messages already stored", async () => {
    const { url, db, pending } = current();
    // Only the rows the backfill reads: foreign-key triggers off for this session.
    await db.query("SET session_replication_role = 'replica'");
    await db.query(
      `INSERT INTO "Chat" (id, "createdByUserId", "encryptedMeta") VALUES ('busy', 'u1', 'meta'), ('quiet', 'u1', 'meta')`,
    );
    for (const [i, size] of [120, 300, 4_000].entries()) {
      await db.query(
        `INSERT INTO "Message" (id, "chatId", "senderUserId", "senderDeviceId", "clientKey", ciphertext, size) VALUES ($1, 'busy', 'u1', 'd1', $2, $3, $4)`,
        [`m${i}`, `k${i}`, 'x'.repeat(size), size],
      );
    }

    expect(await applyPendingMigrations(url)).toEqual(pending);

    const { rows } = await db.query(
      'SELECT id, "messageCount", "messageBytes"::int AS "messageBytes" FROM "Chat" ORDER BY id',
    );
    expect(rows).toEqual([
      { id: 'busy', messageCount: 3, messageBytes: 4_420 },
      { id: 'quiet', messageCount: 0, messageBytes: 0 },
    ]);
  });
});
