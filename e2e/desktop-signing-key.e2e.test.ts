import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { api } from '../common/contract';
import { encodeSigningPublicKey, generateSigningKeyPair, initCrypto } from '../common/crypto';
import { loadCredentials } from '../desktop/src/core/session/credentials';
import { DeviceSession } from '../desktop/src/core/session/device-session';
import { SigningKeySource } from '../desktop/src/core/session/signing-key-source';
import { ensureSigningKey } from '../mobile-pairing/src/core/signing-key';
import { signUpPhoneWithoutSigningKey } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { pairDesktop } from './support/desktop';
import { LyingServer } from './support/lying-server';

/**
 * A desktop linked to an account from before message signing has no signing key at pairing. It asks the
 * server again (at most once a minute) until the account's phone has made one, keeps it with its
 * credentials — and never signs with a key whose wrapped secret doesn't match the published public key.
 */
describe("the desktop's signing key for an account from before signing", () => {
  let server: TestServer;
  let liar: LyingServer;
  const dirs: string[] = [];
  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
    liar = await new LyingServer(server.url).start();
  });
  afterAll(async () => {
    await liar.stop();
    await server.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function linked(phone: Awaited<ReturnType<typeof signUpPhoneWithoutSigningKey>>) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'symc-signing-'));
    dirs.push(dir);
    const vault = await pairDesktop(liar.url, phone, dir);
    return { vault, session: (await DeviceSession.restore(vault))! };
  }

  it('has none at pairing, asks again after a minute, then keeps the key the phone made', async () => {
    const phone = await signUpPhoneWithoutSigningKey(server, 'dsigold');
    const { vault, session } = await linked(phone);
    expect((await loadCredentials(vault))?.signing).toBeUndefined();
    const source = new SigningKeySource(session);
    const t0 = Date.now();
    expect(await source.get(t0)).toBeNull();

    const upgraded = await ensureSigningKey(phone.api, phone.session);
    const asked = liar.requestsTo(api.me).length;
    expect(await source.get(t0 + 10_000)).toBeNull(); // within the minute: not asked again
    expect(liar.requestsTo(api.me)).toHaveLength(asked);
    const key = await source.get(t0 + 61_000);
    expect(Buffer.from(key!.publicKey).equals(Buffer.from(upgraded.signing!.publicKey))).toBe(true);
    expect((await loadCredentials(vault))?.signing?.publicKey).toBe(
      encodeSigningPublicKey(upgraded.signing!.publicKey),
    );
    // Kept: a new source reads it from the credentials without asking.
    const again = new SigningKeySource((await DeviceSession.restore(vault))!);
    expect(await again.get()).not.toBeNull();
    expect(liar.requestsTo(api.me)).toHaveLength(asked + 1);
  });

  it('refuses a key the server publishes beside a wrapped secret of another key', async () => {
    const phone = await signUpPhoneWithoutSigningKey(server, 'dsigswap');
    const { vault, session } = await linked(phone);
    await ensureSigningKey(phone.api, phone.session);
    const forged = encodeSigningPublicKey(generateSigningKeyPair().publicKey);
    const undo = liar.rewriteJson(api.me, (body) => ({ ...(body as object), signingPublicKey: forged }));
    try {
      expect(await new SigningKeySource(session).get()).toBeNull();
      expect((await loadCredentials(vault))?.signing).toBeUndefined();
    } finally {
      undo();
    }
  });
});
