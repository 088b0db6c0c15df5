import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyMigrations } from '../../../prisma/engine/schema-engine';
import { laterMigrations, migrationsBefore, PAIRING_PROTOCOL_MIGRATION } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

describe('pairing_protocol_2 migration (SQLite)', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pairing-v2-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('expires protocol-1 sessions still pending or approved (erasing a v1 bundle) and keeps finished ones as they were', async () => {
    const file = path.join(tmp, 'symc.db');
    const url = `file:${file}`;
    await applyMigrations({
      provider: 'sqlite',
      url,
      migrationsDir: migrationsBefore('sqlite', PAIRING_PROTOCOL_MIGRATION, path.join(tmp, 'before')),
    });

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

    expect(await applyPendingMigrations(url)).toEqual([
      PAIRING_PROTOCOL_MIGRATION,
      ...laterMigrations('sqlite', PAIRING_PROTOCOL_MIGRATION),
    ]);

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
