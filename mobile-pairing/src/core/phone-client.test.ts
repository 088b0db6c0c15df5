import type { AuthTokens } from '../../../common/contract';
import { initCrypto } from '../../../common/crypto';
import { signUpPhone } from '../../../server/test/support/phone';
import { startTestServer, type TestServer } from '../../../server/test/support/test-server';
import { createPhoneClient, type SessionEnd } from './phone-client';

describe('the phone’s API client keeps its session going', () => {
  let server: TestServer;
  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  async function phoneWithClient(name: string) {
    const phone = await signUpPhone(server, name);
    let tokens: AuthTokens | null = phone.session.tokens;
    const ended: SessionEnd[] = [];
    const saved: AuthTokens[] = [];
    const client = createPhoneClient({
      baseUrl: server.url,
      tokens: () => tokens,
      onTokens: (t) => {
        tokens = t;
        saved.push(t);
      },
      onSessionEnded: (why) => {
        ended.push(why);
        tokens = null;
      },
    });
    return { phone, client, ended, saved, tokens: () => tokens };
  }

  const expireAccessTokens = (deviceId: string) =>
    server.server.deps.db.session.updateMany({
      where: { deviceId },
      data: { accessExpiresAt: new Date(Date.now() - 1000) },
    });

  it('when the access token has expired, concurrent calls refresh once and all succeed', async () => {
    const { phone, client, saved } = await phoneWithClient('pcrefresh');
    await expireAccessTokens(phone.session.deviceId);
    const results = await Promise.all([
      client.call('me', {}),
      client.call('listDevices', {}),
      client.call('listChats', {}),
    ]);
    expect(results[0].deviceId).toBe(phone.session.deviceId);
    expect(saved).toHaveLength(1);
    expect(saved[0]!.accessToken).not.toBe(phone.session.tokens.accessToken);
  });

  it('when this phone was unlinked, the next call ends the session as revoked', async () => {
    const { phone, client, ended } = await phoneWithClient('pcrevoked');
    await phone.api.call('revokeDevice', { params: { deviceId: phone.session.deviceId } });
    await expect(client.call('listChats', {})).rejects.toMatchObject({ code: 'device_revoked' });
    expect(ended).toEqual(['revoked']);
  });

  it('when the refresh token is no longer valid, the session ends as expired', async () => {
    const { phone, client, ended } = await phoneWithClient('pcexpired');
    await expireAccessTokens(phone.session.deviceId);
    await server.server.deps.db.session.updateMany({
      where: { deviceId: phone.session.deviceId },
      data: { revokedAt: new Date() },
    });
    await expect(client.call('listChats', {})).rejects.toMatchObject({ status: 401 });
    expect(ended).toEqual(['expired']);
  });

  it('a wrong password on a public route is an ordinary error, not the end of a session', async () => {
    const { phone, client, ended } = await phoneWithClient('pcpublic');
    const { kdf } = await client.call('prelogin', { body: { username: phone.session.username } });
    expect(kdf.salt).toHaveLength(22);
    await expect(
      client.call('login', {
        body: { username: phone.session.username, authKey: 'A'.repeat(43), device: { name: 'x', platform: 'web' } },
      }),
    ).rejects.toMatchObject({ code: 'invalid_credentials' });
    expect(ended).toEqual([]);
  });
});
