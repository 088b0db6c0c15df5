import path from 'node:path';
import { randomId } from '../../../common/crypto';
import type { AuthTokens } from '../../../common/contract';
import { applyMigrations } from '../../../prisma/engine/schema-engine';
import { createDb } from '../../src/db/client';
import { openSession } from '../../src/modules/accounts/tokens';
import { migrationsBefore } from './migrations-before';

/** The migration that added spent refresh tokens (reuse detection). */
export const REUSE_MIGRATION = '20261203080329_refresh_token_reuse';

/**
 * A database at the schema before REUSE_MIGRATION holding one account with a signed-in phone, as a
 * server of that version left it: returns the phone's tokens (their hashes are what the rows hold).
 */
export async function databaseBeforeReuseMigration(
  provider: 'sqlite' | 'postgresql',
  url: string,
  scratchDir: string,
): Promise<{ userId: string; deviceId: string; tokens: AuthTokens }> {
  await applyMigrations({
    provider,
    url,
    migrationsDir: migrationsBefore(provider, REUSE_MIGRATION, path.join(scratchDir, 'before')),
  });
  // The current client only touches the old tables' old columns here.
  const db = createDb(url);
  try {
    const userId = randomId();
    const deviceId = randomId();
    const tokens = await db.$transaction(async (tx) => {
      await tx.user.createMany({
        data: {
          id: userId,
          username: `old${userId.slice(0, 8)}`.toLowerCase(),
          kdfSalt: 'salt',
          kdfOpsLimit: 1,
          kdfMemLimit: 8192,
          authKeyHash: 'not-a-real-hash',
          wrappedMasterKey: 'wrapped',
          identityPublicKey: 'public',
          wrappedIdentitySecretKey: 'wrapped-secret',
        },
      });
      // createMany: no RETURNING of every column the current schema has (later migrations add some).
      await tx.device.createMany({
        data: [{ id: deviceId, userId, kind: 'phone', name: 'Old phone', platform: 'ios' }],
      });
      return openSession(tx, deviceId, { accessTokenTtlSeconds: 900, refreshTokenTtlSeconds: 3600 });
    });
    return { userId, deviceId, tokens };
  } finally {
    await db.$disconnect();
  }
}
