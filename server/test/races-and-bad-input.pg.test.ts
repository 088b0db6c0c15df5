import { uniqueViolation, PRIMARY_KEY } from '../src/db/unique-violation';
import { usePostgresServer } from './support/pg-database';
import { raw } from './support/phone';
import { registerBody } from './support/register-body';

/**
 * Errors PostgreSQL raises where SQLite would not: a sign-up race the unique index settles (PostgreSQL runs
 * the two transactions truly at once) and a NUL character, which a `text` column refuses.
 */
describe('bad input and races on PostgreSQL', () => {
  const pg = usePostgresServer('symc_races');

  it('concurrent sign-ups of one username: one 201, every other 409 username_taken, one user stored', async () => {
    const { server } = pg();
    for (let round = 0; round < 3; round++) {
      const username = `racer${round}`;
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => raw(server, 'POST', '/auth/register', { body: registerBody(username) })),
      );
      expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
      for (const a of answers.filter((a) => a.status !== 201))
        expect(a).toMatchObject({ status: 409, body: { error: { code: 'username_taken' } } });
      expect(await server.server.deps.db.user.count({ where: { username } })).toBe(1);
    }
    expect(server.logs.filter((line) => line.includes('unhandled error'))).toEqual([]);
  });

  it('a NUL in a device name is a 400, not a database error', async () => {
    const { server } = pg();
    const res = await raw(server, 'POST', '/auth/register', { body: registerBody('nul_name', 'Phone\u0000') });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(await server.server.deps.db.user.count({ where: { username: 'nul_name' } })).toBe(0);
  });

  it('unique violations name their columns (PostgreSQL reports the index)', async () => {
    const { server } = pg();
    const db = server.server.deps.db;
    const user = (id: string, username: string) => ({
      id,
      username,
      kdfSalt: 's',
      kdfOpsLimit: 1,
      kdfMemLimit: 1,
      authKeyHash: 'h',
      wrappedMasterKey: 'w',
      identityPublicKey: 'p',
      wrappedIdentitySecretKey: 'w',
    });
    await db.user.create({ data: user('u-1', 'uniq_one') });
    const byName = await db.user.create({ data: user('u-2', 'uniq_one') }).catch((e: unknown) => e);
    expect(uniqueViolation(byName)).toEqual({ model: 'User', fields: ['username'] });
    const byId = await db.user.create({ data: user('u-1', 'uniq_two') }).catch((e: unknown) => e);
    expect(uniqueViolation(byId)).toEqual({ model: 'User', fields: [PRIMARY_KEY] });
  });
});
