import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyMigrations } from '../../../prisma/engine/schema-engine';
import { DEVICE_INACTIVITY_MIGRATION, laterMigrations, migrationsBefore } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

describe('device_inactivity_expiry migration (SQLite)', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'device-inactivity-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('keeps every device as it was (linked or unlinked), with no revoke reason; the sweep index exists', async () => {
    const file = path.join(tmp, 'symc.db');
    const url = `file:${file}`;
    await applyMigrations({
      provider: 'sqlite',
      url,
      migrationsDir: migrationsBefore('sqlite', DEVICE_INACTIVITY_MIGRATION, path.join(tmp, 'before')),
    });
    const db = new Database(file);
    db.prepare(
      `INSERT INTO "User" (id, username, kdfSalt, kdfOpsLimit, kdfMemLimit, authKeyHash, wrappedMasterKey, identityPublicKey, wrappedIdentitySecretKey, lastSeq)
       VALUES ('u1', 'alice', 'salt', 2, 8192, 'hash', 'v1.mk', 'idpub', 'v1.idsec', 7)`,
    ).run();
    db.prepare(
      `INSERT INTO "Device" (id, userId, kind, name, platform, lastSeenAt, revokedAt, syncCursor)
       VALUES ('d1', 'u1', 'desktop', 'Laptop', 'linux', 1700000000000, NULL, 5),
              ('d2', 'u1', 'desktop', 'Old PC', 'windows', 1600000000000, 1650000000000, NULL)`,
    ).run();
    db.close();

    expect(await applyPendingMigrations(url)).toEqual([
      DEVICE_INACTIVITY_MIGRATION,
      ...laterMigrations('sqlite', DEVICE_INACTIVITY_MIGRATION),
    ]);

    const after = new Database(file);
    try {
      expect(
        after.prepare('SELECT id, lastSeenAt, revokedAt, syncCursor, revokedReason FROM "Device" ORDER BY id').all(),
      ).toEqual([
        { id: 'd1', lastSeenAt: 1700000000000, revokedAt: null, syncCursor: 5, revokedReason: null },
        { id: 'd2', lastSeenAt: 1600000000000, revokedAt: 1650000000000, syncCursor: null, revokedReason: null },
      ]);
      expect(
        after.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'Device_lastSeenAt_idx'`).all(),
      ).toEqual([{ name: 'Device_lastSeenAt_idx' }]);
      // What the sweep writes.
      after.prepare(`UPDATE "Device" SET revokedAt = 1, revokedReason = 'inactive' WHERE id = 'd1'`).run();
      expect(after.prepare(`SELECT revokedReason FROM "Device" WHERE id = 'd1'`).get()).toEqual({
        revokedReason: 'inactive',
      });
    } finally {
      after.close();
    }
  });
});
