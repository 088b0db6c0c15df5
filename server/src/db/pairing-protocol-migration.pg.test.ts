import { usePostgresBeforeMigration } from '../../test/support/pg-database';
import { PAIRING_PROTOCOL_MIGRATION } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

// Needs PostgreSQL at PG_ADMIN_URL (default: the local server, trust auth). Run with `npm run test:pg`.
const current = usePostgresBeforeMigration('symc_test_pairing', PAIRING_PROTOCOL_MIGRATION);

describe('pairing_protocol_2 migration (PostgreSQL)', () => {
  it('expires protocol-1 sessions still pending or approved (erasing a v1 bundle) and keeps finished ones as they were', async () => {
    const { url, db, pending } = current();
    await db.query("SET session_replication_role = 'replica'");
    const created = new Date('2026-12-01T10:00:00Z');
    const later = new Date(created.getTime() + 3_600_000 * 24 * 365);
    for (const [id, code, status, bundle] of [
      ['pending', 'AAAAAAAA', 'pending', null],
      ['approved', 'BBBBBBBB', 'approved', 'v1.sealed'],
      ['consumed', 'CCCCCCCC', 'consumed', null],
    ] as const) {
      await db.query(
        `INSERT INTO "PairingSession" (id, "pollTokenHash", "pairingCode", "desktopPublicKey", "deviceName", platform, status, "checkAttempts", "createdAt", "expiresAt", "sealedBundle")
         VALUES ($1, 'h', $2, 'k', 'Laptop', 'linux', $3, 1, $4, $5, $6)`,
        [id, code, status, created, later, bundle],
      );
    }

    expect(await applyPendingMigrations(url)).toEqual(pending);

    const { rows } = await db.query(
      'SELECT id, status, "expiresAt", "sealedBundle", "pakeSid", "phoneShare" FROM "PairingSession" ORDER BY id',
    );
    expect(rows).toEqual([
      { id: 'approved', status: 'approved', expiresAt: created, sealedBundle: null, pakeSid: null, phoneShare: null },
      { id: 'consumed', status: 'consumed', expiresAt: later, sealedBundle: null, pakeSid: null, phoneShare: null },
      { id: 'pending', status: 'pending', expiresAt: created, sealedBundle: null, pakeSid: null, phoneShare: null },
    ]);
    const columns = await db.query(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'PairingSession'`,
    );
    expect(columns.rows.map((r: { column_name: string }) => r.column_name)).not.toContain('checkAttempts');
  });
});
