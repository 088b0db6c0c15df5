import { usePostgresBeforeMigration } from '../../test/support/pg-database';
import { SIGNING_KEYS_MIGRATION } from '../../test/support/migrations-before';
import { applyPendingMigrations } from './migrate';

// Needs PostgreSQL at PG_ADMIN_URL (default: the local server, trust auth). Run with `npm run test:pg`.
const current = usePostgresBeforeMigration('symc_test_signing', SIGNING_KEYS_MIGRATION);

describe('signing_keys migration (PostgreSQL)', () => {
  it('keeps every existing account as it was, with no signing key until its phone uploads one', async () => {
    const { url, db, pending } = current();
    await db.query(
      `INSERT INTO "User" (id, username, "kdfSalt", "kdfOpsLimit", "kdfMemLimit", "authKeyHash", "wrappedMasterKey", "identityPublicKey", "wrappedIdentitySecretKey", "lastSeq")
       VALUES ('u1', 'alice', 'salt', 2, 8192, 'hash', 'v1.mk', 'idpub', 'v1.idsec', 7)`,
    );

    expect(await applyPendingMigrations(url)).toEqual(pending);

    const { rows } = await db.query(
      'SELECT id, username, "identityPublicKey", "lastSeq", "signingPublicKey", "wrappedSigningSecretKey" FROM "User"',
    );
    expect(rows).toEqual([
      {
        id: 'u1',
        username: 'alice',
        identityPublicKey: 'idpub',
        lastSeq: 7,
        signingPublicKey: null,
        wrappedSigningSecretKey: null,
      },
    ]);
  });
});
