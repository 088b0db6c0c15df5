import { initCrypto } from '../../common/crypto';
import { signIn } from '../../mobile-pairing/src/core/account';
import { raw, signUpPhone } from './support/phone';
import { startTestServer, type TestServer } from './support/test-server';

// The deployment's Argon2id cost (64 MiB per hash), so a verification takes real time; one thread, so
// verifications take turns and the order of answers is known.
let server: TestServer;
beforeAll(async () => {
  await initCrypto();
  server = await startTestServer({ AUTH_KEY_HASH_PROFILE: 'interactive', AUTH_HASH_THREADS: '1' });
});
afterAll(() => server.stop());

describe('auth-key hashing runs off the event loop', () => {
  it('while wrong sign-ins are being verified one after another, /healthz sent meanwhile answers before the next one', async () => {
    const { session } = await signUpPhone(server, 'hashed');
    const finished: string[] = [];
    const wrong = { username: session.username, authKey: 'A'.repeat(43), device: { name: 'Guess', platform: 'ios' } };
    const logins = Array.from({ length: 4 }, (_, i) =>
      raw(server, 'POST', '/auth/login', { body: wrong }).then((res) => {
        finished.push(`login${i}`);
        return res.status;
      }),
    );
    // Once one answer is back, the server is busy with the others' verifications (one thread: in turn).
    await Promise.race(logins);
    const health = raw(server, 'GET', '/healthz').then((res) => {
      finished.push('healthz');
      return res.status;
    });
    expect(await health).toBe(200);
    expect(await Promise.all(logins)).toEqual(Array(4).fill(401));
    // On the event loop, the verification under way would finish (and answer) first.
    expect(finished.indexOf('healthz')).toBe(1);
  });

  it('an unknown username costs a verification too, and still answers 401; a right key signs in', async () => {
    const { session, password } = await signUpPhone(server, 'known');
    const unknown = await raw(server, 'POST', '/auth/login', {
      body: { username: 'nobodyhere', authKey: 'A'.repeat(43), device: { name: 'x', platform: 'ios' } },
    });
    expect(unknown).toMatchObject({ status: 401, body: { error: { code: 'invalid_credentials' } } });
    const again = await signIn(server.client(), {
      username: session.username,
      password,
      device: { name: 'Second', platform: 'ios' },
    });
    expect(again.userId).toBe(session.userId);
  });

  it('closing the server ends the hashing threads', async () => {
    const other = await startTestServer({ AUTH_HASH_THREADS: '1' });
    await signUpPhone(other, 'closer');
    const pool = (other.server.deps.authKeys as unknown as { pool: { threads: unknown[] } }).pool;
    expect(pool.threads.length).toBeGreaterThan(0);
    await other.stop();
    expect(pool.threads.length).toBe(0);
  });
});
