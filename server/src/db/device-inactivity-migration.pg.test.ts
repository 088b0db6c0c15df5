import { usePostgresBeforeMigration } from '../../test/support/pg-database';
import { DEVICE_INACTIVITY_MIGRATION, laterMigrations } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

describe('device_inactivity_expiry migration (PostgreSQL)', () => {
  // Needs PostgreSQL at PG_ADMIN_URL (default: the local server). Run with `npm run test:pg`.
  const before = usePostgresBeforeMigration('device-inactivity-migration', DEVICE_INACTIVITY_MIGRATION);

  it('keeps every device as it was (linked or unlinked), with no revoke reason; the sweep index exists', async () => {
    const { url, db } = before();
    await db.query(
      `INSERT INTO "User" (id, username, "kdfSalt", "kdfOpsLimit", "kdfMemLimit", "authKeyHash", "wrappedMasterKey", "identityPublicKey", "wrappedIdentitySecretKey", "lastSeq")
         VALUES ('u1', 'alice', 'salt', 2, 8192, 'hash', 'v1.mk', 'idpub', 'v1.idsec', 7)`,
    );
    await db.query(
      `INSERT INTO "Device" (id, "userId", kind, name, platform, "lastSeenAt", "revokedAt", "syncCursor")
         VALUES ('d1', 'u1', 'desktop', 'Laptop', 'linux', '2026-11-01T00:00:00Z', NULL, 5),
                ('d2', 'u1', 'desktop', 'Old PC', 'windows', '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z', NULL)`,
    );

    expect(await applyPendingMigrations(url)).toEqual([
      DEVICE_INACTIVITY_MIGRATION,
      ...laterMigrations('postgresql', DEVICE_INACTIVITY_MIGRATION),
    ]);

    const { rows } = await db.query(
      'SELECT id, "revokedAt" IS NULL AS linked, "syncCursor", "revokedReason" FROM "Device" ORDER BY id',
    );
    expect(rows).toEqual([
      { id: 'd1', linked: true, syncCursor: 5, revokedReason: null },
      { id: 'd2', linked: false, syncCursor: null, revokedReason: null },
    ]);
    const index = await db.query(`SELECT indexname FROM pg_indexes WHERE indexname = 'Device_lastSeenAt_idx'`);
    expect(index.rows).toEqual([{ indexname: 'Device_lastSeenAt_idx' }]);
  });
});
