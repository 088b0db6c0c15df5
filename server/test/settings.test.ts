import { readFileSync } from 'node:fs';
import { decryptUserSettings, encryptUserSettings } from '../../common/content';
import { initCrypto } from '../../common/crypto';
import { MAX_SETTINGS_ENVELOPE_CHARS } from '../../common/contract';
import { dbSnapshot } from './support/db-snapshot';
import { raw, signUpPhone } from './support/phone';
import { startTestServer, type TestServer } from './support/test-server';

let server: TestServer;
let alice: Awaited<ReturnType<typeof signUpPhone>>;
let bob: Awaited<ReturnType<typeof signUpPhone>>;

beforeAll(async () => {
  await initCrypto();
  server = await startTestServer();
  alice = await signUpPhone(server, 'setalice');
  bob = await signUpPhone(server, 'setbob');
});
afterAll(() => server.stop());

const seal = (who: typeof alice, settings: Parameters<typeof encryptUserSettings>[2]) =>
  encryptUserSettings(who.session.masterKey, who.session.userId, settings);

describe('settings (PUT/GET /settings)', () => {
  it('starts empty, stores the envelope as version 1, and hands it back to any device of the user', async () => {
    expect(await alice.api.call('getSettings', {})).toEqual({ settings: null });
    const stored = await alice.api.call('putSettings', {
      body: { ciphertext: seal(alice, { theme: 'dark', sendOnEnter: true }), baseVersion: 0 },
    });
    expect(stored).toMatchObject({ version: 1, updatedByDeviceId: alice.session.deviceId });
    const { settings } = await alice.api.call('getSettings', {});
    expect(decryptUserSettings(alice.session.masterKey, alice.session.userId, settings!.ciphertext)).toEqual({
      theme: 'dark',
      sendOnEnter: true,
    });
    // Another user sees only their own (none).
    expect(await bob.api.call('getSettings', {})).toEqual({ settings: null });
  });

  it('a write based on an old version is refused with 409 stale_version and changes nothing', async () => {
    const { settings } = await alice.api.call('getSettings', {});
    const next = await alice.api.call('putSettings', {
      body: { ciphertext: seal(alice, { theme: 'light' }), baseVersion: settings!.version },
    });
    expect(next.version).toBe(settings!.version + 1);
    const before = dbSnapshot(server.dbFile);
    const res = await raw(server, 'PUT', '/settings', {
      token: alice.session.tokens.accessToken,
      body: { ciphertext: seal(alice, { theme: 'dark' }), baseVersion: settings!.version },
    });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'stale_version',
      message: expect.stringContaining(`version ${next.version}`),
    });
    expect(dbSnapshot(server.dbFile)).toEqual(before);
  });

  it('bad bodies get a 400 naming the field, a missing token 401, and nothing is stored', async () => {
    const before = dbSnapshot(server.dbFile);
    const token = bob.session.tokens.accessToken;
    for (const body of [
      { ciphertext: '{"theme":"dark"}', baseVersion: 0 },
      { ciphertext: seal(bob, { theme: 'dark' }), baseVersion: -1 },
      { ciphertext: seal(bob, { theme: 'dark' }), baseVersion: '0' },
      { ciphertext: seal(bob, { theme: 'dark' }) },
      { ciphertext: `v1.${'A'.repeat(32)}.${'B'.repeat(MAX_SETTINGS_ENVELOPE_CHARS)}`, baseVersion: 0 },
      { ciphertext: seal(bob, { theme: 'dark' }), baseVersion: 0, extra: true },
    ]) {
      const res = await raw(server, 'PUT', '/settings', { token, body });
      expect({ status: res.status, code: res.body.error.code }).toEqual({ status: 400, code: 'validation_failed' });
      expect(res.body.error.issues.length).toBeGreaterThan(0);
    }
    expect(
      (await raw(server, 'PUT', '/settings', { body: { ciphertext: seal(bob, {}), baseVersion: 0 } })).status,
    ).toBe(401);
    expect(dbSnapshot(server.dbFile)).toEqual(before);
  });

  it('the server holds only the envelope: the settings plaintext is nowhere in its database', async () => {
    const canary = 'canary-setting-7f3a9c';
    const { settings } = await bob.api.call('getSettings', {});
    await bob.api.call('putSettings', {
      body: { ciphertext: seal(bob, { theme: 'dark', note: canary }), baseVersion: settings?.version ?? 0 },
    });
    await server.server.deps.db.$queryRawUnsafe('PRAGMA wal_checkpoint(FULL)');
    const bytes = readFileSync(server.dbFile);
    expect(bytes.includes(Buffer.from(canary))).toBe(false);
    // Unknown keys survive the round trip (an older client keeps what a newer one wrote).
    const back = await bob.api.call('getSettings', {});
    expect(decryptUserSettings(bob.session.masterKey, bob.session.userId, back.settings!.ciphertext)).toMatchObject({
      note: canary,
    });
  });
});
