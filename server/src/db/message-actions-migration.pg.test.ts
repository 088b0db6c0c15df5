import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { applyMigrations } from '../../../prisma/engine/schema-engine';
import { laterMigrations, MESSAGE_ACTIONS_MIGRATION, migrationsBefore } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

// Needs PostgreSQL at PG_ADMIN_URL (default: the local server, trust auth). Run with `npm run test:pg`.
const adminUrl = process.env.PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const database = `symc_test_actions_${randomBytes(6).toString('hex')}`;
const admin = new Client({ connectionString: adminUrl });
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'message-actions-pg-'));
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
});

afterAll(async () => {
  await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await admin.end();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('message_actions migration (PostgreSQL)', () => {
  it('keeps every message as it was (never edited, not deleted); edits and hides then attach to it', async () => {
    const u = new URL(adminUrl);
    u.pathname = `/${database}`;
    const url = u.toString();
    await applyMigrations({
      provider: 'postgresql',
      url,
      migrationsDir: migrationsBefore('postgresql', MESSAGE_ACTIONS_MIGRATION, path.join(tmp, 'before')),
    });
    const db = new Client({ connectionString: url });
    await db.connect();
    try {
      await db.query(
        `INSERT INTO "User" (id, username, "kdfSalt", "kdfOpsLimit", "kdfMemLimit", "authKeyHash", "wrappedMasterKey", "identityPublicKey", "wrappedIdentitySecretKey")
         VALUES ('u1', 'alice', 'salt', 2, 8192, 'hash', 'v1.mk', 'idpub', 'v1.idsec')`,
      );
      await db.query(
        `INSERT INTO "Device" (id, "userId", name, platform, kind) VALUES ('d1', 'u1', 'phone', 'ios', 'phone')`,
      );
      await db.query(`INSERT INTO "Chat" (id, "createdByUserId", "encryptedMeta") VALUES ('c1', 'u1', 'meta')`);
      await db.query(
        `INSERT INTO "Message" (id, "chatId", "senderUserId", "senderDeviceId", "clientKey", ciphertext, size, status)
         VALUES ('m1', 'c1', 'u1', 'd1', 'k1', 'v1.body', 7, 'read')`,
      );

      expect(await applyPendingMigrations(url)).toEqual([
        MESSAGE_ACTIONS_MIGRATION,
        ...laterMigrations('postgresql', MESSAGE_ACTIONS_MIGRATION),
      ]);

      const { rows } = await db.query(
        'SELECT id, ciphertext, size, status, "editVersion", "editCiphertext", "editedAt", "deletedAt" FROM "Message"',
      );
      expect(rows).toEqual([
        {
          id: 'm1',
          ciphertext: 'v1.body',
          size: 7,
          status: 'read',
          editVersion: 0,
          editCiphertext: null,
          editedAt: null,
          deletedAt: null,
        },
      ]);
      await db.query(
        `INSERT INTO "MessageEdit" ("messageId", version, "senderDeviceId", ciphertext, size) VALUES ('m1', 1, 'd1', 'v1.e', 4)`,
      );
      await db.query(`INSERT INTO "HiddenMessage" ("userId", "messageId", "chatId") VALUES ('u1', 'm1', 'c1')`);
      await db.query(`DELETE FROM "Message" WHERE id = 'm1'`);
      expect((await db.query('SELECT count(*)::int AS n FROM "MessageEdit"')).rows).toEqual([{ n: 0 }]);
      expect((await db.query('SELECT count(*)::int AS n FROM "HiddenMessage"')).rows).toEqual([{ n: 0 }]);
    } finally {
      await db.end();
    }
  });
});
