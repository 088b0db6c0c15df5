import { initCrypto } from '../../common/crypto';
import { linkDesktopDirectly } from './support/desktop-fixture';
import { createTestDatabase, type TestDatabase } from './support/pg-database';
import { raw, signUpPhone } from './support/phone';
import { openSse } from './support/sse-client';
import { startTestServer, type TestServer } from './support/test-server';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Two instances on one PostgreSQL database and Redis: a stream on A ends when its session or device ends on B. */
describe('streams end across instances (PostgreSQL + Redis)', () => {
  let database: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    await initCrypto();
    database = await createTestDatabase('symc_stream_fanout');
    a = await startTestServer({ DATABASE_URL: database.url, REDIS_URL });
    b = await startTestServer({ DATABASE_URL: database.url, REDIS_URL });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await database?.drop();
  });

  it("signing out on B ends the session's stream on A with sync:error signed_out", async () => {
    const phone = await signUpPhone(a, 'fanleaver');
    const stream = await openSse(a.url, 'from=now', { authorization: `Bearer ${phone.session.tokens.accessToken}` });
    await stream.next();
    expect((await raw(b, 'POST', '/auth/logout', { token: phone.session.tokens.accessToken })).status).toBe(204);
    expect((await stream.ended()).at(-1)).toMatchObject({
      event: 'sync:error',
      data: { code: 'signed_out', retryable: false },
    });
  });

  it('unlinking a device on B ends its stream on A with device:revoked', async () => {
    const phone = await signUpPhone(b, 'fanunlinker');
    const desktop = await linkDesktopDirectly(a, phone.session.userId);
    const stream = await openSse(a.url, 'from=now', { authorization: `Bearer ${desktop.accessToken}` });
    await stream.next();
    await phone.api.call('revokeDevice', { params: { deviceId: desktop.deviceId } });
    expect((await stream.ended()).at(-1)).toEqual({
      event: 'device:revoked',
      data: { deviceId: desktop.deviceId },
      id: null,
    });
    expect(a.server.deps.streams.openFor(desktop.deviceId)).toBe(0);
  });
});
