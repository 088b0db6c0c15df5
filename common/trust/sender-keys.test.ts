import { signUpPhone } from '../../server/test/support/phone';
import { startTestServer, type TestServer } from '../../server/test/support/test-server';
import { createApiClient } from '../contract';
import { initCrypto, randomId } from '../crypto';
import { ServerSenderKeyDirectory } from './sender-keys';

describe('ServerSenderKeyDirectory: the server’s directory by user id, believed on first use per process', () => {
  let server: TestServer;
  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it('answers name and signing key, asks once per user, remembers unknown users as null and forgets failures', async () => {
    const me = await signUpPhone(server, 'dirme');
    const bob = await signUpPhone(server, 'dirbob');
    const asked: string[] = [];
    let offline = false;
    const client = createApiClient({
      baseUrl: server.url,
      accessToken: () => me.session.tokens.accessToken,
      fetch: async (input, init) => {
        asked.push(new URL(String(input)).pathname);
        if (offline) throw new TypeError('fetch failed');
        return fetch(input, init);
      },
    });
    const directory = new ServerSenderKeyDirectory(client);

    offline = true;
    await expect(directory.keysFor(bob.session.userId)).rejects.toBeDefined();
    offline = false;
    const first = await directory.keysFor(bob.session.userId);
    expect(first?.username).toBe(bob.session.username);
    expect(Buffer.from(first!.signingPublicKey!).equals(Buffer.from(bob.session.signing!.publicKey))).toBe(true);
    await directory.keysFor(bob.session.userId);
    const ghost = randomId();
    expect(await directory.keysFor(ghost)).toBeNull();
    expect(await directory.keysFor(ghost)).toBeNull();
    expect(asked).toEqual([`/users/id/${bob.session.userId}`, `/users/id/${bob.session.userId}`, `/users/id/${ghost}`]);
  });
});
