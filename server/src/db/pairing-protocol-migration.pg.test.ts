import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { applyMigrations } from '../../../prisma/engine/schema-engine';
import { laterMigrations, migrationsBefore } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

const PAIRING_PROTOCOL_2 = '20261203080513_pairing_protocol_2';

// Needs PostgreSQL at PG_ADMIN_URL (default: the local server, trust auth). Run with `npm run test:pg`.
const adminUrl = process.env.PG_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const database = `symc_test_pairing_${randomBytes(6).toString('hex')}`;
const admin = new Client({ connectionString: adminUrl });
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pairing-v2-pg-'));
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
});

afterAll(async () => {
  await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await admin.end();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('pairing_protocol_2 migration (PostgreSQL)', () => {
  it('expires protocol-1 sessions still pending or approved (erasing a v1 bundle) and keeps finished ones as they were', async () => {
    const u = new URL(adminUrl);
    u.pathname = `/${database}`;
    const url = u.toString();
    await applyMigrations({
      provider: 'postgresql',
      url,
      migrationsDir: migrationsBefore('postgresql', PAIRING_PROTOCOL_2, path.join(tmp, 'before')),
    });

    const db = new Client({ connectionString: url });
    await db.connect();
    try {
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

      expect(await applyPendingMigrations(url)).toEqual([
        PAIRING_PROTOCOL_2,
        ...laterMigrations('postgresql', PAIRING_PROTOCOL_2),
      ]);

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
    } finally {
      await db.end();
    }
  });
});
