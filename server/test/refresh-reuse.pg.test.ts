import { initCrypto } from '../../common/crypto';
import { useTestDatabase } from './support/pg-database';
import { raw, signUpPhone } from './support/phone';
import { databaseBeforeReuseMigration, REUSE_MIGRATION } from './support/pre-reuse-session';
import { startTestServer } from './support/test-server';

// Needs PostgreSQL (npm run test:pg).
const current = useTestDatabase('symc_reuse_migration');
beforeAll(() => initCrypto());

describe(`${REUSE_MIGRATION} migration (PostgreSQL)`, () => {
  it('a session signed in before the upgrade refreshes after it, and a replay of its old token is then caught', async () => {
    const { database, scratch } = current();
    const old = await databaseBeforeReuseMigration('postgresql', database.url, scratch);
    const upgraded = await startTestServer({ DATABASE_URL: database.url });
    try {
      expect(upgraded.logs.join('\n')).toContain(REUSE_MIGRATION);
      const next = await raw(upgraded, 'POST', '/auth/refresh', { body: { refreshToken: old.tokens.refreshToken } });
      expect(next.status).toBe(200);
      expect((await raw(upgraded, 'GET', '/me', { token: next.body.accessToken })).body).toMatchObject({
        userId: old.userId,
        deviceId: old.deviceId,
      });
      const replay = await raw(upgraded, 'POST', '/auth/refresh', { body: { refreshToken: old.tokens.refreshToken } });
      expect(replay).toMatchObject({
        status: 401,
        body: { error: { message: expect.stringContaining('already used') } },
      });
      expect((await raw(upgraded, 'GET', '/me', { token: next.body.accessToken })).status).toBe(401);

      // Two refreshes racing with one token on PostgreSQL: the row lock lets one rotate, never a 5xx.
      const { session } = await signUpPhone(upgraded, 'pgracer');
      const body = { refreshToken: session.tokens.refreshToken };
      const results = await Promise.all([
        raw(upgraded, 'POST', '/auth/refresh', { body }),
        raw(upgraded, 'POST', '/auth/refresh', { body }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
      const winner = results.find((r) => r.status === 200)!;
      expect((await raw(upgraded, 'GET', '/me', { token: winner.body.accessToken })).status).toBe(401);
    } finally {
      await upgraded.stop();
    }
  });
});
