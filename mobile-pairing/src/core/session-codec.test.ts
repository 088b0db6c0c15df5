import { ZodError } from 'zod';
import { initCrypto } from '../../../common/crypto';
import { signUpPhone } from '../../../server/test/support/phone';
import { startTestServer, type TestServer } from '../../../server/test/support/test-server';
import { decodeSession, encodeSession } from './session-codec';

describe('storing a phone session as JSON', () => {
  let server: TestServer;
  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it('round-trips every key and token, and the restored session still works', async () => {
    const phone = await signUpPhone(server, 'codec');
    const restored = decodeSession(JSON.parse(JSON.stringify(encodeSession(phone.session))));
    const { accessToken, refreshToken, accessExpiresAt, refreshExpiresAt } = phone.session.tokens;
    expect(restored).toEqual({
      ...phone.session,
      tokens: { accessToken, refreshToken, accessExpiresAt, refreshExpiresAt },
    });
    const api = server.client(() => restored.tokens.accessToken);
    expect((await api.call('me', {})).userId).toBe(phone.session.userId);
  });

  it('refuses stored data that is not a session, or whose keys have the wrong length', async () => {
    const phone = await signUpPhone(server, 'codecbad');
    expect(() => decodeSession({ hello: 1 })).toThrow(ZodError);
    const stored = encodeSession(phone.session);
    expect(() => decodeSession({ ...stored, masterKey: 'AAAA' })).toThrow(/master key/);
    expect(() => decodeSession({ ...stored, identity: { ...stored.identity, secretKey: 'AAAA' } })).toThrow(
      /identity secret key/,
    );
  });
});
