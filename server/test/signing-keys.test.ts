import { ApiError } from '../../common/contract';
import {
  encodeSigningPublicKey,
  generateSigningKeyPair,
  initCrypto,
  randomId,
  wrapSigningSecretKey,
} from '../../common/crypto';
import { signIn } from '../../mobile-pairing/src/core/account';
import { ensureSigningKey } from '../../mobile-pairing/src/core/signing-key';
import { linkDesktopDirectly } from './support/desktop-fixture';
import { raw, signUpPhone, signUpPhoneWithoutSigningKey } from './support/phone';
import { startTestServer, type TestServer } from './support/test-server';

let server: TestServer;
beforeAll(async () => {
  await initCrypto();
  server = await startTestServer();
});
afterAll(() => server.stop());

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

describe('signing keys', () => {
  it('sign-up stores the signing key made on the phone; sign-in, /me and the directory (by name and by id) return it', async () => {
    const { session, api, password } = await signUpPhone(server, 'signer');
    const published = b64(session.signing!.publicKey);
    const again = await signIn(server.client(), {
      username: session.username,
      password,
      device: { name: 'Second phone', platform: 'ios' },
    });
    expect(b64(again.signing!.secretKey)).toBe(b64(session.signing!.secretKey));
    const me = await api.call('me', {});
    expect(me.signingPublicKey).toBe(published);
    expect(me.wrappedSigningSecretKey).toMatch(/^v1\./);
    expect((await api.call('lookupUser', { params: { username: session.username } })).signingPublicKey).toBe(published);
    expect(await api.call('lookupUserById', { params: { userId: session.userId } })).toEqual({
      userId: session.userId,
      username: session.username,
      identityPublicKey: b64(session.identity.publicKey),
      signingPublicKey: published,
    });
  });

  it('an unknown user id is 404 not_found, a malformed one 400', async () => {
    const { api, session } = await signUpPhone(server, 'asker');
    await expect(api.call('lookupUserById', { params: { userId: randomId() } })).rejects.toMatchObject({
      status: 404,
      code: 'not_found',
    });
    expect((await raw(server, 'GET', '/users/id/not-a-uuid', { token: session.tokens.accessToken })).status).toBe(400);
  });

  it('an account from before signing has none in the directory until its phone makes one at its next start', async () => {
    const old = await signUpPhoneWithoutSigningKey(server);
    const other = await signUpPhone(server, 'looker');
    expect(
      (await other.api.call('lookupUserById', { params: { userId: old.session.userId } })).signingPublicKey,
    ).toBeNull();
    const upgraded = await ensureSigningKey(old.api, old.session);
    expect(upgraded.signing).not.toBeNull();
    expect((await other.api.call('lookupUserById', { params: { userId: old.session.userId } })).signingPublicKey).toBe(
      b64(upgraded.signing!.publicKey),
    );
    // Idempotent: a second start with the key already there fetches it, makes none.
    const again = await ensureSigningKey(old.api, { ...old.session, signing: null });
    expect(b64(again.signing!.secretKey)).toBe(b64(upgraded.signing!.secretKey));
  });

  it('the key is set once: the same key again is accepted, another is refused with 409 and the first stays', async () => {
    const old = await signUpPhoneWithoutSigningKey(server);
    const key = generateSigningKeyPair();
    const body = {
      signingPublicKey: encodeSigningPublicKey(key.publicKey),
      wrappedSigningSecretKey: wrapSigningSecretKey(key.secretKey, old.session.masterKey, old.session.userId),
    };
    await old.api.call('setSigningKey', { body });
    await old.api.call('setSigningKey', { body });
    const other = generateSigningKeyPair();
    const replace = {
      signingPublicKey: encodeSigningPublicKey(other.publicKey),
      wrappedSigningSecretKey: wrapSigningSecretKey(other.secretKey, old.session.masterKey, old.session.userId),
    };
    await expect(old.api.call('setSigningKey', { body: replace })).rejects.toMatchObject({
      status: 409,
      code: 'conflict',
    });
    expect((await old.api.call('me', {})).signingPublicKey).toBe(body.signingPublicKey);
  });

  it('two phones racing to make the key end with the same one', async () => {
    const old = await signUpPhoneWithoutSigningKey(server);
    const second = await signIn(server.client(), {
      username: old.session.username,
      password: old.password,
      device: { name: 'Phone 2', platform: 'ios' },
    });
    expect(second.signing).toBeNull();
    const [a, b] = await Promise.all([
      ensureSigningKey(old.api, old.session),
      ensureSigningKey(
        server.client(() => second.tokens.accessToken),
        second,
      ),
    ]);
    expect(b64(a.signing!.publicKey)).toBe(b64(b.signing!.publicKey));
  });

  it('only a phone sets it (a desktop gets 403); a sign-up with half a key is 400 and stores nothing', async () => {
    const old = await signUpPhoneWithoutSigningKey(server);
    const desktop = await linkDesktopDirectly(server, old.session.userId);
    const key = generateSigningKeyPair();
    const error = await desktop.api
      .call('setSigningKey', {
        body: {
          signingPublicKey: encodeSigningPublicKey(key.publicKey),
          wrappedSigningSecretKey: wrapSigningSecretKey(key.secretKey, old.session.masterKey, old.session.userId),
        },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 403 });
    expect((await old.api.call('me', {})).signingPublicKey).toBeNull();

    const half = await raw(server, 'POST', '/auth/register', {
      body: {
        username: `half${process.pid}`,
        userId: randomId(),
        authKey: 'A'.repeat(43),
        kdf: { salt: 'A'.repeat(22), opsLimit: 1, memLimit: 8192 },
        wrappedMasterKey: `v1.${'A'.repeat(32)}.${'B'.repeat(64)}`,
        identityPublicKey: 'A'.repeat(43),
        wrappedIdentitySecretKey: `v1.${'A'.repeat(32)}.${'C'.repeat(64)}`,
        signingPublicKey: 'A'.repeat(43),
        device: { name: 'Phone', platform: 'android' },
      },
    });
    expect(half.status).toBe(400);
    expect(half.body.error.code).toBe('validation_failed');
    expect(await server.server.deps.db.user.findUnique({ where: { username: `half${process.pid}` } })).toBeNull();
  });
});
