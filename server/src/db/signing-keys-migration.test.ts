import Database from 'better-sqlite3';
import { SIGNING_KEYS_MIGRATION, useSqliteBeforeMigration } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

const current = useSqliteBeforeMigration('signing-keys', SIGNING_KEYS_MIGRATION);

describe('signing_keys migration (SQLite)', () => {
  it('keeps every existing account as it was, with no signing key until its phone uploads one', async () => {
    const { file, url, pending } = current();
    const db = new Database(file);
    db.prepare(
      `INSERT INTO "User" (id, username, kdfSalt, kdfOpsLimit, kdfMemLimit, authKeyHash, wrappedMasterKey, identityPublicKey, wrappedIdentitySecretKey, lastSeq)
       VALUES ('u1', 'alice', 'salt', 2, 8192, 'hash', 'v1.mk', 'idpub', 'v1.idsec', 7)`,
    ).run();
    db.close();

    expect(await applyPendingMigrations(url)).toEqual(pending);

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
