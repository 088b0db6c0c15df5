import Database from 'better-sqlite3';
import { PAIRING_PROTOCOL_MIGRATION, useSqliteBeforeMigration } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

const current = useSqliteBeforeMigration('pairing-v2', PAIRING_PROTOCOL_MIGRATION);

describe('pairing_protocol_2 migration (SQLite)', () => {
  it('expires protocol-1 sessions still pending or approved (erasing a v1 bundle) and keeps finished ones as they were', async () => {
    const { file, url, pending } = current();

    const db = new Database(file);
    db.pragma('foreign_keys = OFF');
    const insert = db.prepare(
      `INSERT INTO "PairingSession" (id, pollTokenHash, pairingCode, desktopPublicKey, deviceName, platform, status, checkAttempts, createdAt, expiresAt, sealedBundle)
       VALUES (?, 'h', ?, 'k', 'Laptop', 'linux', ?, 1, ?, ?, ?)`,
    );
    const created = Date.parse('2026-12-01T10:00:00Z');
    const later = created + 3_600_000 * 24 * 365;
    insert.run('pending', 'AAAAAAAA', 'pending', created, later, null);
    insert.run('approved', 'BBBBBBBB', 'approved', created, later, 'v1.sealed');
    insert.run('consumed', 'CCCCCCCC', 'consumed', created, later, null);
    db.close();

    expect(await applyPendingMigrations(url)).toEqual(pending);

    const after = new Database(file, { readonly: true });
    try {
      const rows = after
        .prepare(
          'SELECT id, status, createdAt, expiresAt, sealedBundle, pakeSid, pakeShare, phoneShare, handoverMethod FROM "PairingSession" ORDER BY id',
        )
        .all();
      expect(rows).toEqual([
        {
          id: 'approved',
          status: 'approved',
          createdAt: created,
          expiresAt: created,
          sealedBundle: null,
          pakeSid: null,
          pakeShare: null,
          phoneShare: null,
          handoverMethod: null,
        },
        {
          id: 'consumed',
          status: 'consumed',
          createdAt: created,
          expiresAt: later,
          sealedBundle: null,
          pakeSid: null,
          pakeShare: null,
          phoneShare: null,
          handoverMethod: null,
        },
        {
          id: 'pending',
          status: 'pending',
          createdAt: created,
          expiresAt: created,
          sealedBundle: null,
          pakeSid: null,
          pakeShare: null,
          phoneShare: null,
          handoverMethod: null,
        },
      ]);
      const columns = (after.prepare('PRAGMA table_info("PairingSession")').all() as Array<{ name: string }>).map(
        (c) => c.name,
      );
      expect(columns).not.toContain('checkAttempts');
    } finally {
      after.close();
    }
  });
});
