import { startTestServer } from '../../test/support/test-server';
import { uniqueViolation } from './unique-violation';

describe('unique violations on SQLite', () => {
  it('name the table and the columns, and anything else is not one', async () => {
    const server = await startTestServer();
    try {
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
      expect(uniqueViolation(byId)).toEqual({ model: 'User', fields: ['id'] });
      const missing = await db.user
        .update({ where: { id: 'nobody' }, data: { username: 'x' } })
        .catch((e: unknown) => e);
      expect(uniqueViolation(missing)).toBeNull();
      expect(uniqueViolation(new Error('P2002'))).toBeNull();
    } finally {
      await server.stop();
    }
  });
});
