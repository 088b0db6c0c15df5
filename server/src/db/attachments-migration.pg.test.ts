import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { applyMigrations } from '../../../prisma/engine/schema-engine';
import { ATTACHMENTS_MIGRATION } from '../../test/support/attachments-migration';
import { laterMigrations, migrationsBefore } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

// Needs PostgreSQL at PG_ADMIN_URL (default: the local server, trust auth). Run with `npm run test:pg`.
const adminUrl = process.env.PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const database = `symc_test_attachments_${randomBytes(6).toString('hex')}`;
const admin = new Client({ connectionString: adminUrl });
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'attachments-pg-'));
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
});

afterAll(async () => {
  await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await admin.end();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('attachments migration (PostgreSQL)', () => {
  it('adds the blob tables to a database of the previous schema, keeping its messages', async () => {
    const u = new URL(adminUrl);
    u.pathname = `/${database}`;
    const url = u.toString();
    await applyMigrations({
      provider: 'postgresql',
      url,
      migrationsDir: migrationsBefore('postgresql', ATTACHMENTS_MIGRATION, path.join(tmp, 'before')),
    });
    const db = new Client({ connectionString: url });
    await db.connect();
    try {
      await db.query(
        `INSERT INTO "User" (id, username, "kdfSalt", "kdfOpsLimit", "kdfMemLimit", "authKeyHash", "wrappedMasterKey", "identityPublicKey", "wrappedIdentitySecretKey")
         VALUES ('u1', 'alice', 's', 1, 1, 'h', 'w', 'k', 'ws')`,
      );
      await db.query(
        `INSERT INTO "Device" (id, "userId", kind, name, platform) VALUES ('d1', 'u1', 'phone', 'p', 'ios')`,
      );
      await db.query(`INSERT INTO "Chat" (id, "createdByUserId", "encryptedMeta") VALUES ('c1', 'u1', 'v1.meta')`);
      await db.query(
        `INSERT INTO "Message" (id, "chatId", "senderUserId", "senderDeviceId", "clientKey", ciphertext, size) VALUES ('m1', 'c1', 'u1', 'd1', 'k1', 'v1.body', 7)`,
      );
      expect(await applyPendingMigrations(url)).toEqual([
        ATTACHMENTS_MIGRATION,
        ...laterMigrations('postgresql', ATTACHMENTS_MIGRATION),
      ]);
      expect((await db.query('SELECT id FROM "Message"')).rows).toEqual([{ id: 'm1' }]);
      await db.query(
        `INSERT INTO "Attachment" (id, "ownerUserId", size, status, "messageId", "boundAt") VALUES ('a1', 'u1', 100, 'complete', 'm1', now())`,
      );
      await db.query(
        `INSERT INTO "AttachmentChunk" ("attachmentId", "offset", length, data) VALUES ('a1', 0, 3, '\\x010203'::bytea)`,
      );
      await db.query(`DELETE FROM "Message" WHERE id = 'm1'`);
      expect((await db.query('SELECT "messageId", "boundAt" IS NOT NULL AS bound FROM "Attachment"')).rows).toEqual([
        { messageId: null, bound: true },
      ]);
      await db.query(`DELETE FROM "Attachment" WHERE id = 'a1'`);
      expect((await db.query('SELECT COUNT(*)::int AS n FROM "AttachmentChunk"')).rows).toEqual([{ n: 0 }]);
    } finally {
      await db.end();
    }
  });
});
