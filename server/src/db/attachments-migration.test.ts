import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyMigrations } from '../../../prisma/engine/schema-engine';
import { ATTACHMENTS_MIGRATION } from '../../test/support/attachments-migration';
import { laterMigrations, migrationsBefore } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

const SEED = [
  `INSERT INTO "User" (id, username, kdfSalt, kdfOpsLimit, kdfMemLimit, authKeyHash, wrappedMasterKey, identityPublicKey, wrappedIdentitySecretKey)
   VALUES ('u1', 'alice', 's', 1, 1, 'h', 'w', 'k', 'ws')`,
  `INSERT INTO "Device" (id, userId, kind, name, platform) VALUES ('d1', 'u1', 'phone', 'p', 'ios')`,
  `INSERT INTO "Chat" (id, createdByUserId, encryptedMeta) VALUES ('c1', 'u1', 'v1.meta')`,
  `INSERT INTO "Message" (id, chatId, senderUserId, senderDeviceId, clientKey, ciphertext, size) VALUES ('m1', 'c1', 'u1', 'd1', 'k1', 'v1.body', 7)`,
];

describe('attachments migration (SQLite)', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'attachments-migration-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('adds the blob tables to a database of the previous schema, keeping its messages', async () => {
    const file = path.join(tmp, 'symc.db');
    const url = `file:${file}`;
    await applyMigrations({
      provider: 'sqlite',
      url,
      migrationsDir: migrationsBefore('sqlite', ATTACHMENTS_MIGRATION, path.join(tmp, 'before')),
    });
    const db = new Database(file);
    for (const sql of SEED) db.prepare(sql).run();
    db.close();

    expect(await applyPendingMigrations(url)).toEqual([
      ATTACHMENTS_MIGRATION,
      ...laterMigrations('sqlite', ATTACHMENTS_MIGRATION),
    ]);

    const after = new Database(file);
    try {
      after.pragma('foreign_keys = ON');
      expect(after.prepare('SELECT id, ciphertext FROM "Message"').all()).toEqual([
        { id: 'm1', ciphertext: 'v1.body' },
      ]);
      after
        .prepare(
          `INSERT INTO "Attachment" (id, ownerUserId, size, status, messageId, boundAt) VALUES ('a1', 'u1', 100, 'complete', 'm1', CURRENT_TIMESTAMP)`,
        )
        .run();
      after
        .prepare(`INSERT INTO "AttachmentChunk" (attachmentId, offset, length, data) VALUES ('a1', 0, 3, x'010203')`)
        .run();
      // A deleted message leaves its blob marked for collection (messageId null, boundAt kept).
      after.prepare(`DELETE FROM "Message" WHERE id = 'm1'`).run();
      expect(after.prepare('SELECT messageId, boundAt IS NOT NULL AS bound FROM "Attachment"').get()).toEqual({
        messageId: null,
        bound: 1,
      });
      // Chunks go with their blob's row.
      after.prepare(`DELETE FROM "Attachment" WHERE id = 'a1'`).run();
      expect(after.prepare('SELECT COUNT(*) AS n FROM "AttachmentChunk"').get()).toEqual({ n: 0 });
    } finally {
      after.close();
    }
  });
});
