import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyMigrations } from '../../../prisma/engine/schema-engine';
import { laterMigrations, migrationsBefore, SIGNING_KEYS_MIGRATION } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

describe('signing_keys migration (SQLite)', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'signing-keys-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('keeps every existing account as it was, with no signing key until its phone uploads one', async () => {
    const file = path.join(tmp, 'symc.db');
    const url = `file:${file}`;
    await applyMigrations({
      provider: 'sqlite',
      url,
      migrationsDir: migrationsBefore('sqlite', SIGNING_KEYS_MIGRATION, path.join(tmp, 'before')),
    });
    const db = new Database(file);
    db.prepare(
      `INSERT INTO "User" (id, username, kdfSalt, kdfOpsLimit, kdfMemLimit, authKeyHash, wrappedMasterKey, identityPublicKey, wrappedIdentitySecretKey, lastSeq)
       VALUES ('u1', 'alice', 'salt', 2, 8192, 'hash', 'v1.mk', 'idpub', 'v1.idsec', 7)`,
    ).run();
    db.close();

    expect(await applyPendingMigrations(url)).toEqual([
      SIGNING_KEYS_MIGRATION,
      ...laterMigrations('sqlite', SIGNING_KEYS_MIGRATION),
    ]);

    const after = new Database(file);
    try {
      expect(
        after
          .prepare(
            'SELECT id, username, identityPublicKey, wrappedIdentitySecretKey, lastSeq, signingPublicKey, wrappedSigningSecretKey FROM "User"',
          )
          .all(),
      ).toEqual([
        {
          id: 'u1',
          username: 'alice',
          identityPublicKey: 'idpub',
          wrappedIdentitySecretKey: 'v1.idsec',
          lastSeq: 7,
          signingPublicKey: null,
          wrappedSigningSecretKey: null,
        },
      ]);
      // The new columns take a key afterwards (what the set-once route writes).
      after
        .prepare(
          `UPDATE "User" SET signingPublicKey = 'sigpub', wrappedSigningSecretKey = 'v1.sigsec' WHERE id = 'u1' AND signingPublicKey IS NULL`,
        )
        .run();
      expect(after.prepare('SELECT signingPublicKey FROM "User"').get()).toEqual({ signingPublicKey: 'sigpub' });
    } finally {
      after.close();
    }
  });
});
