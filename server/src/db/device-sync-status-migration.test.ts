import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyMigrations } from '../../../prisma/engine/schema-engine';
import { DEVICE_SYNC_STATUS_MIGRATION, laterMigrations, migrationsBefore } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

describe('device_sync_status migration (SQLite)', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'device-sync-status-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('keeps every device and log entry; devices start with no acknowledgement (their cursor still reads); the prune index exists', async () => {
    const file = path.join(tmp, 'symc.db');
    const url = `file:${file}`;
    await applyMigrations({
      provider: 'sqlite',
      url,
      migrationsDir: migrationsBefore('sqlite', DEVICE_SYNC_STATUS_MIGRATION, path.join(tmp, 'before')),
    });
    const db = new Database(file);
    db.prepare(
      `INSERT INTO "User" (id, username, kdfSalt, kdfOpsLimit, kdfMemLimit, authKeyHash, wrappedMasterKey, identityPublicKey, wrappedIdentitySecretKey, lastSeq)
       VALUES ('u1', 'alice', 'salt', 2, 8192, 'hash', 'v1.mk', 'idpub', 'v1.idsec', 2)`,
    ).run();
    db.prepare(
      `INSERT INTO "Device" (id, userId, kind, name, platform, lastSeenAt, revokedAt, syncCursor, revokedReason)
       VALUES ('d1', 'u1', 'desktop', 'Laptop', 'linux', 1700000000000, NULL, 1, NULL),
              ('d2', 'u1', 'desktop', 'Old PC', 'windows', 1600000000000, 1650000000000, NULL, 'inactive')`,
    ).run();
    db.prepare(
      `INSERT INTO "ChangeLog" (userId, seq, kind, chatId, entityId, createdAt)
       VALUES ('u1', 1, 'settings:update', NULL, NULL, 1700000000000), ('u1', 2, 'device:linked', NULL, 'd1', 1700000001000)`,
    ).run();
    db.close();

    expect(await applyPendingMigrations(url)).toEqual([
      DEVICE_SYNC_STATUS_MIGRATION,
      ...laterMigrations('sqlite', DEVICE_SYNC_STATUS_MIGRATION),
    ]);

    const after = new Database(file);
    try {
      expect(
        after.prepare('SELECT id, syncCursor, revokedReason, syncedPosition, syncedAt FROM "Device" ORDER BY id').all(),
      ).toEqual([
        { id: 'd1', syncCursor: 1, revokedReason: null, syncedPosition: null, syncedAt: null },
        { id: 'd2', syncCursor: null, revokedReason: 'inactive', syncedPosition: null, syncedAt: null },
      ]);
      expect(after.prepare('SELECT seq, kind, createdAt FROM "ChangeLog" ORDER BY seq').all()).toEqual([
        { seq: 1, kind: 'settings:update', createdAt: 1700000000000 },
        { seq: 2, kind: 'device:linked', createdAt: 1700000001000 },
      ]);
      expect(
        after.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'ChangeLog_createdAt_idx'`).all(),
      ).toEqual([{ name: 'ChangeLog_createdAt_idx' }]);
      // What an acknowledgement writes.
      after.prepare(`UPDATE "Device" SET syncedPosition = 'h2:0:5', syncedAt = 1700000002000 WHERE id = 'd1'`).run();
      expect(after.prepare(`SELECT syncedPosition FROM "Device" WHERE id = 'd1'`).get()).toEqual({
        syncedPosition: 'h2:0:5',
      });
    } finally {
      after.close();
    }
  });
});
