import { ApiError, PAIRING_PROTOCOL } from '../../common/contract';
import {
  derivePasswordKeys,
  newKdfParams,
  initCrypto,
  randomId,
  encodePublicKey,
  generateBoxKeyPair,
  newCheckCode,
  startDesktopPake,
} from '../../common/crypto';
import { signIn } from '../../mobile-pairing/src/core/account';
import { dbSnapshot } from './support/db-snapshot';
import { raw, signUpPhone } from './support/phone';
import { startTestServer, type TestServer } from './support/test-server';

let server: TestServer;
beforeAll(async () => {
  await initCrypto();
  server = await startTestServer();
});
afterAll(() => server.stop());

function validRegisterBody(username: string) {
  const kdf = newKdfParams('minimal');
  const { authKey } = derivePasswordKeys('pw', kdf);
  return {
    username,
    userId: randomId(),
    authKey,
    kdf,
    wrappedMasterKey: `v1.${'A'.repeat(32)}.${'B'.repeat(64)}`,
    identityPublicKey: encodePublicKey(generateBoxKeyPair().publicKey),
    wrappedIdentitySecretKey: `v1.${'A'.repeat(32)}.${'C'.repeat(64)}`,
    device: { name: 'Phone', platform: 'android' },
  };
}

describe('sign-up and sign-in', () => {
  it('a new phone signs up, then signs in on another phone and recovers the same master key', async () => {
    const { session, password } = await signUpPhone(server, 'alice');
    const again = await signIn(server.client(), {
      username: session.username,
      password,
      device: { name: 'New phone', platform: 'android' },
    });
    expect(again.userId).toBe(session.userId);
    expect(Buffer.from(again.masterKey).equals(Buffer.from(session.masterKey))).toBe(true);
    expect(Buffer.from(again.identity.secretKey).equals(Buffer.from(session.identity.secretKey))).toBe(true);
    expect(again.deviceId).not.toBe(session.deviceId);
  });

  it('when the password is wrong, sign-in is refused with 401 and no device is created', async () => {
    const { session } = await signUpPhone(server, 'bob');
    const before = dbSnapshot(server.dbFile);
    await expect(
      signIn(server.client(), {
        username: session.username,
        password: 'wrong',
        device: { name: 'x', platform: 'ios' },
      }),
    ).rejects.toMatchObject({ status: 401, code: 'invalid_credentials' });
    expect(dbSnapshot(server.dbFile)).toEqual(before);
  });

  it('an unknown username gets a stable fake salt from prelogin and the same 401 at login', async () => {
    const first = await server.client().call('prelogin', { body: { username: 'nobody_here' } });
    const second = await server.client().call('prelogin', { body: { username: 'nobody_here' } });
    expect(first.kdf.salt).toBe(second.kdf.salt);
    const other = await server.client().call('prelogin', { body: { username: 'nobody_else' } });
    expect(other.kdf.salt).not.toBe(first.kdf.salt);
    const { authKey } = derivePasswordKeys('pw', first.kdf);
    await expect(
      server
        .client()
        .call('login', { body: { username: 'nobody_here', authKey, device: { name: 'p', platform: 'ios' } } }),
    ).rejects.toMatchObject({ status: 401, code: 'invalid_credentials' });
  });

  it('when the username is taken, sign-up is refused with 409 and nothing is stored', async () => {
    const { session } = await signUpPhone(server, 'carol');
    const before = dbSnapshot(server.dbFile);
    const res = await raw(server, 'POST', '/auth/register', { body: validRegisterBody(session.username) });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('username_taken');
    expect(dbSnapshot(server.dbFile)).toEqual(before);
  });

  it('when the device cap is reached, another sign-in is refused with 409 device_limit', async () => {
    const capped = await startTestServer({ MAX_LINKED_DEVICES: '2' });
    try {
      const { session, password } = await signUpPhone(capped, 'dave');
      const device = { name: 'p2', platform: 'ios' as const };
      await signIn(capped.client(), { username: session.username, password, device });
      await expect(signIn(capped.client(), { username: session.username, password, device })).rejects.toMatchObject({
        status: 409,
        code: 'device_limit',
      });
    } finally {
      await capped.stop();
    }
  });
});

describe('tokens', () => {
  it('refresh rotates both tokens; the old access token stops working, the new pair works and rotates again', async () => {
    const { session } = await signUpPhone(server, 'erin');
    const fresh = await server.client().call('refresh', { body: { refreshToken: session.tokens.refreshToken } });
    expect(fresh.accessToken).not.toBe(session.tokens.accessToken);
    const old = await raw(server, 'GET', '/me', { token: session.tokens.accessToken });
    expect(old.status).toBe(401);
    const me = await server.client(() => fresh.accessToken).call('me', {});
    expect(me.userId).toBe(session.userId);
    const again = await server.client().call('refresh', { body: { refreshToken: fresh.refreshToken } });
    expect((await server.client(() => again.accessToken).call('me', {})).userId).toBe(session.userId);
  });

  it('after logout the access token is refused', async () => {
    const { session, api } = await signUpPhone(server, 'frank');
    await api.call('logout', {});
    const res = await raw(server, 'GET', '/me', { token: session.tokens.accessToken });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
  });

  it('an expired access token is refused with 401 token_expired', async () => {
    const { session } = await signUpPhone(server, 'gina');
    await server.server.deps.db.session.updateMany({
      where: { deviceId: session.deviceId },
      data: { accessExpiresAt: new Date(Date.now() - 1000) },
    });
    const res = await raw(server, 'GET', '/me', { token: session.tokens.accessToken });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('token_expired');
  });

  it.each([
    ['no header', undefined],
    ['a token that was never issued', 'A'.repeat(43)],
    ['a malformed token', 'not-a-token'],
  ])('a request with %s is refused with 401', async (_label, token) => {
    const res = await raw(server, 'GET', '/chats', token ? { token } : {});
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
  });
});

describe('bad input at the auth edge changes nothing', () => {
  const cases: Array<[string, () => Parameters<typeof raw>[3], number, string]> = [
    ['an empty body', () => ({ body: {} }), 400, 'validation_failed'],
    [
      'a missing field',
      () => {
        const { device: _d, ...rest } = validRegisterBody('missing_dev');
        return { body: rest };
      },
      400,
      'validation_failed',
    ],
    ['a wrong type', () => ({ body: { ...validRegisterBody('wrong_type'), kdf: 'strong' } }), 400, 'validation_failed'],
    [
      'an unknown field',
      () => ({ body: { ...validRegisterBody('extra_field'), isAdmin: true } }),
      400,
      'validation_failed',
    ],
    [
      'plaintext where an envelope belongs',
      () => ({ body: { ...validRegisterBody('plain_mk'), wrappedMasterKey: 'my master key' } }),
      400,
      'validation_failed',
    ],
    ['a bad username', () => ({ body: validRegisterBody('Bad Name!') }), 400, 'validation_failed'],
    ['malformed JSON', () => ({ rawBody: '{"username": ' }), 400, 'malformed_json'],
    [
      'a body that is not JSON',
      () => ({ rawBody: 'username=x', contentType: 'text/plain' }),
      415,
      'unsupported_media_type',
    ],
    [
      'an oversize body',
      () => ({ body: { ...validRegisterBody('huge'), pad: 'x'.repeat(1_100_000) } }),
      413,
      'payload_too_large',
    ],
  ];
  it.each(cases)('register with %s → the right 4xx, database untouched', async (_label, make, status, code) => {
    const before = dbSnapshot(server.dbFile);
    const res = await raw(server, 'POST', '/auth/register', make());
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(typeof res.body.error.message).toBe('string');
    expect(dbSnapshot(server.dbFile)).toEqual(before);
  });

  it('validation errors name the offending field', async () => {
    const res = await raw(server, 'POST', '/auth/register', {
      body: { ...validRegisterBody('named_field'), kdf: 'x' },
    });
    expect(res.body.error.message).toMatch(/body\.kdf/);
  });
});

describe('rate limits', () => {
  it('too many sign-in attempts from one address are refused with 429', async () => {
    const limited = await startTestServer({ AUTH_RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        statuses.push((await raw(limited, 'POST', '/auth/prelogin', { body: { username: 'someone' } })).status);
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const res = await raw(limited, 'POST', '/auth/prelogin', { body: { username: 'someone' } });
      expect(res.body.error.code).toBe('rate_limited');
    } finally {
      await limited.stop();
    }
  });

  it('each endpoint has its own budget: failed sign-ins from an address leave its refreshes alone, and the pairing routes do not share one', async () => {
    const limited = await startTestServer({ AUTH_RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const { session } = await signUpPhone(limited, 'natted');
      const wrongLogin = {
        username: session.username,
        authKey: 'A'.repeat(43),
        device: { name: 'Guess', platform: 'ios' },
      };
      const logins: number[] = [];
      for (let i = 0; i < 4; i++) logins.push((await raw(limited, 'POST', '/auth/login', { body: wrongLogin })).status);
      expect(logins).toEqual([401, 401, 401, 429]);
      // Another user behind the same address still refreshes.
      const refreshed = await raw(limited, 'POST', '/auth/refresh', {
        body: { refreshToken: session.tokens.refreshToken },
      });
      expect(refreshed.status).toBe(200);

      const keyPair = generateBoxKeyPair();
      const { sid, share } = startDesktopPake(newCheckCode());
      const sessionBody = {
        desktopPublicKey: encodePublicKey(keyPair.publicKey),
        deviceName: 'Laptop',
        platform: 'linux',
        pake: { sid, share },
      };
      const created: number[] = [];
      let pairingId = '';
      for (let i = 0; i < 4; i++) {
        const res = await raw(limited, 'POST', '/auth/qr/session', { body: sessionBody });
        created.push(res.status);
        if (res.status === 201) pairingId = res.body.pairingId;
      }
      expect(created).toEqual([201, 201, 201, 429]);
      // The other pairing endpoints answer on their own budgets (not 429), and reading a session is not limited.
      const confirm = await raw(limited, 'POST', '/auth/qr-confirm', {
        body: { pairingId, pollToken: 'A'.repeat(43) },
      });
      expect(confirm.status).not.toBe(429);
      const wait = await raw(limited, 'POST', '/auth/qr/wait', { body: { pairingId, pollToken: 'A'.repeat(43) } });
      expect(wait.status).not.toBe(429);
      for (let i = 0; i < 4; i++) {
        const info = await raw(limited, 'GET', `/auth/qr/session/${pairingId}?v=${PAIRING_PROTOCOL}`, {
          token: refreshed.body.accessToken,
        });
        expect(info.status).toBe(200);
      }
    } finally {
      await limited.stop();
    }
  });
});

it('ApiError carries the server code for typed clients', async () => {
  const error = await server
    .client()
    .call('me', {})
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApiError);
  expect(error).toMatchObject({ status: 401, code: 'unauthenticated' });
});
