import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { applyMigrations } from '../../../prisma/engine/schema-engine';
import { laterMigrations, migrationsBefore, TOTALS_MIGRATION } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

// Needs PostgreSQL at PG_ADMIN_URL (default: the local server, trust auth). Run with `npm run test:pg`.
const adminUrl = process.env.PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const database = `symc_test_totals_${randomBytes(6).toString('hex')}`;
const admin = new Client({ connectionString: adminUrl });
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'totals-backfill-pg-'));
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
});

afterAll(async () => {
  await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await admin.end();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('chat_message_totals migration (PostgreSQL)', () => {
  it("fills each chat's message count and byte total from the messages already stored", async () => {
    const u = new URL(adminUrl);
    u.pathname = `/${database}`;
    const url = u.toString();
    await applyMigrations({
      provider: 'postgresql',
      url,
      migrationsDir: migrationsBefore('postgresql', TOTALS_MIGRATION, path.join(tmp, 'before')),
    });

    const db = new Client({ connectionString: url });
    await db.connect();
    try {
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

      expect(await applyPendingMigrations(url)).toEqual([
        TOTALS_MIGRATION,
        ...laterMigrations('postgresql', TOTALS_MIGRATION),
      ]);

      const { rows } = await db.query(
        'SELECT id, "messageCount", "messageBytes"::int AS "messageBytes" FROM "Chat" ORDER BY id',
      );
      expect(rows).toEqual([
        { id: 'busy', messageCount: 3, messageBytes: 4_420 },
        { id: 'quiet', messageCount: 0, messageBytes: 0 },
      ]);
    } finally {
      await db.end();
    }
  });
});
