import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodePublicKey, initCrypto } from '../common/crypto';
import type { DesktopCore } from '../desktop/src/core/desktop-core';
import { phoneContacts } from '../mobile-pairing/src/core/contacts';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { openDesktop, pairDesktop, until, untilProgress } from './support/desktop';
import { LyingServer, type SseEvent } from './support/lying-server';

/**
 * The pins follow the user to their desktop: the phone's pin arrives live (`contacts:sync`) and survives a
 * restart; a server replaying an older `contacts:sync` on the stream, or another user's, changes nothing and
 * is reported.
 */
describe('the contact book on a linked desktop', () => {
  let server: TestServer;
  let liar: LyingServer;
  let dir: string;
  let core: DesktopCore;
  let vault: Awaited<ReturnType<typeof pairDesktop>>;
  let alice: Awaited<ReturnType<typeof signUpPhone>>;
  let bob: Awaited<ReturnType<typeof signUpPhone>>;
  let carol: Awaited<ReturnType<typeof signUpPhone>>;
  const seen: SseEvent[] = [];

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
    liar = await new LyingServer(server.url).start();
    alice = await signUpPhone(server, 'dsalice');
    bob = await signUpPhone(server, 'dsbob');
    carol = await signUpPhone(server, 'dscarol');
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-contacts-sync-'));
    liar.rewriteSse((event) => {
      if (event.event === 'contacts:sync') seen.push(event);
      return event;
    });
    vault = await pairDesktop(liar.url, alice, dir);
    core = await openDesktop(dir, vault);
    await core.start();
    await untilProgress(core, (p) => p.primed);
  }, 60_000);
  afterAll(async () => {
    await core?.stop();
    await liar.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("takes the phone's pins live, and keeps them across a restart", async () => {
    const contacts = await phoneContacts(alice.api, alice.session);
    await contacts.lookup(bob.session.username);
    await contacts.setVerified(bob.session.userId, encodePublicKey(bob.session.identity.publicKey), true);
    await until(
      () => core.contacts.pin(bob.session.userId)?.verified === true,
      10_000,
      'the verified pin on the desktop',
    );
    expect(core.contacts.lastRefusal).toBeNull();

    await core.stop();
    core = await openDesktop(dir, vault);
    expect(core.contacts.pin(bob.session.userId)).toMatchObject({
      identityPublicKey: encodePublicKey(bob.session.identity.publicKey),
      verified: true,
    });
  });

  it("refuses an older contacts:sync replayed on the stream, and another user's", async () => {
    await core.start();
    await untilProgress(core, (p) => p.connection === 'connected');
    const oldEvent = seen[0]!;
    const contacts = await phoneContacts(alice.api, alice.session);
    await contacts.lookup(carol.session.username);
    await until(() => core.contacts.pin(carol.session.userId) !== null, 10_000, 'the new pin on the desktop');
    const version = core.contacts.contacts.replica.version;

    // The server slips the first book back into the stream (as the next event), then bob's book.
    const bobs = await phoneContacts(bob.api, bob.session);
    await bobs.lookup(carol.session.username);
    const bobsRecord = (await bob.api.call('getContacts', {})).contacts!;
    let injected = false;
    liar.rewriteSse((event) => {
      if (injected || event.event !== 'contacts:sync') return event;
      injected = true;
      return [
        { event: 'contacts:sync', data: oldEvent.data },
        { event: 'contacts:sync', data: JSON.stringify({ contacts: { ...bobsRecord, version: version + 5 } }) },
        event,
      ];
    });
    await contacts.setVerified(carol.session.userId, encodePublicKey(carol.session.identity.publicKey), true);
    await until(
      () => core.contacts.pin(carol.session.userId)?.verified === true,
      10_000,
      'the honest update after the lies',
    );
    expect(injected).toBe(true);
    expect(core.contacts.lastRefusal).toMatch(/refused/);
    expect(core.contacts.pin(bob.session.userId)?.verified).toBe(true);
    expect(core.contacts.contacts.replica.version).toBe(version + 1);
  });
});
