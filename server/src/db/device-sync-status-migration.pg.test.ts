import { usePostgresBeforeMigration } from '../../test/support/pg-database';
import { DEVICE_SYNC_STATUS_MIGRATION, laterMigrations } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

describe('device_sync_status migration (PostgreSQL)', () => {
  // Needs PostgreSQL at PG_ADMIN_URL (default: the local server). Run with `npm run test:pg`.
  const before = usePostgresBeforeMigration('device-sync-status-migration', DEVICE_SYNC_STATUS_MIGRATION);

  it('keeps every device and log entry; devices start with no acknowledgement; the prune index exists', async () => {
    const { url, db } = before();
    await db.query(
      `INSERT INTO "User" (id, username, "kdfSalt", "kdfOpsLimit", "kdfMemLimit", "authKeyHash", "wrappedMasterKey", "identityPublicKey", "wrappedIdentitySecretKey", "lastSeq")
         VALUES ('u1', 'alice', 'salt', 2, 8192, 'hash', 'v1.mk', 'idpub', 'v1.idsec', 2)`,
    );
    await db.query(
      `INSERT INTO "Device" (id, "userId", kind, name, platform, "lastSeenAt", "revokedAt", "syncCursor", "revokedReason")
         VALUES ('d1', 'u1', 'desktop', 'Laptop', 'linux', '2026-11-01T00:00:00Z', NULL, 1, NULL),
                ('d2', 'u1', 'desktop', 'Old PC', 'windows', '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', NULL, 'inactive')`,
    );
    await db.query(
      `INSERT INTO "ChangeLog" ("userId", seq, kind, "createdAt")
         VALUES ('u1', 1, 'settings:update', '2026-11-01T00:00:00Z'), ('u1', 2, 'device:linked', '2026-11-02T00:00:00Z')`,
    );

    expect(await applyPendingMigrations(url)).toEqual([
      DEVICE_SYNC_STATUS_MIGRATION,
      ...laterMigrations('postgresql', DEVICE_SYNC_STATUS_MIGRATION),
    ]);

    const { rows } = await db.query(
      'SELECT id, "syncCursor", "revokedReason", "syncedPosition", "syncedAt" FROM "Device" ORDER BY id',
    );
    expect(rows).toEqual([
      { id: 'd1', syncCursor: 1, revokedReason: null, syncedPosition: null, syncedAt: null },
      { id: 'd2', syncCursor: null, revokedReason: 'inactive', syncedPosition: null, syncedAt: null },
    ]);
    const log = await db.query('SELECT seq, kind FROM "ChangeLog" ORDER BY seq');
    expect(log.rows).toEqual([
      { seq: 1, kind: 'settings:update' },
      { seq: 2, kind: 'device:linked' },
    ]);
    const index = await db.query(`SELECT indexname FROM pg_indexes WHERE indexname = 'ChangeLog_createdAt_idx'`);
    expect(index.rows).toEqual([{ indexname: 'ChangeLog_createdAt_idx' }]);
    await db.query(`UPDATE "Device" SET "syncedPosition" = 'h2:0:5', "syncedAt" = now() WHERE id = 'd1'`);
    const written = await db.query(`SELECT "syncedPosition" FROM "Device" WHERE id = 'd1'`);
    expect(written.rows).toEqual([{ syncedPosition: 'h2:0:5' }]);
  });
});
