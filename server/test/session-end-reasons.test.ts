import { initCrypto } from '../../common/crypto';
import { raw, signUpPhone } from './support/phone';
import { startTestServer, type TestServer } from './support/test-server';

/**
 * A refresh the server refuses for good says why (`error.reason`), so a device can tell "signed out after
 * a long time without use" from "ended" and from being offline, and stop retrying.
 */
let server: TestServer;
beforeAll(async () => {
  await initCrypto();
  server = await startTestServer();
});
afterAll(() => server.stop());

const refresh = (refreshToken: string) => raw(server, 'POST', '/auth/refresh', { body: { refreshToken } });

describe('refusals of a refresh carry the reason the session ended', () => {
  it('a refresh token that ran out: 401 reason expired, and nothing changes', async () => {
    const { session } = await signUpPhone(server, 'expired');
    const db = server.server.deps.db;
    await db.session.updateMany({
      where: { deviceId: session.deviceId },
      data: { refreshExpiresAt: new Date(Date.now() - 1000) },
    });
    const before = await db.session.findFirstOrThrow({ where: { deviceId: session.deviceId } });
    const answer = await refresh(session.tokens.refreshToken);
    expect(answer).toMatchObject({
      status: 401,
      body: { error: { code: 'unauthenticated', reason: 'expired', message: expect.stringContaining('without use') } },
    });
    expect(await db.session.findFirstOrThrow({ where: { deviceId: session.deviceId } })).toEqual(before);
  });

  it('a signed-out session: 401 reason ended', async () => {
    const { session } = await signUpPhone(server, 'loggedout');
    expect((await raw(server, 'POST', '/auth/logout', { token: session.tokens.accessToken })).status).toBe(204);
    expect(await refresh(session.tokens.refreshToken)).toMatchObject({
      status: 401,
      body: { error: { code: 'unauthenticated', reason: 'ended' } },
    });
  });

  it('a reused refresh token: 401 reason ended (the whole family)', async () => {
    const { session } = await signUpPhone(server, 'reused');
    const first = await refresh(session.tokens.refreshToken);
    expect(first.status).toBe(200);
    expect(await refresh(session.tokens.refreshToken)).toMatchObject({
      status: 401,
      body: { error: { code: 'unauthenticated', reason: 'ended' } },
    });
    expect(await refresh(first.body.refreshToken)).toMatchObject({
      status: 401,
      body: { error: { code: 'unauthenticated', reason: 'ended' } },
    });
  });

  it('a token the server never issued: 401 without a reason (nothing to say about a session)', async () => {
    const answer = await refresh('A'.repeat(43));
    expect(answer.status).toBe(401);
    expect(answer.body.error.code).toBe('unauthenticated');
    expect(answer.body.error.reason).toBeUndefined();
  });
});
