import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { api } from '../common/contract';
import { encodePublicKey, generateBoxKeyPair, initCrypto } from '../common/crypto';
import { chatKeyFor, startChat } from '../mobile-pairing/src/core/chats';
import { phoneContacts } from '../mobile-pairing/src/core/contacts';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { pairDesktop } from './support/desktop';
import { ensureDesktopBuild, type RunningDesktopApp, startDesktopApp } from './support/desktop-app';
import { LyingServer } from './support/lying-server';
import { launchChromium, type PhoneBrowser } from './support/phone-web';

type Phone = Awaited<ReturnType<typeof signUpPhone>>;

/**
 * New chat in the desktop app (Chromium) shows each typed person's safety-number state from the user's
 * pins — verified, not verified, new — and, behind a server that answers the lookup with another identity
 * key, "changed since you verified": Start waits for the user's answer (the app refuses too), and keeping
 * the old keys starts the chat sealed to the real one.
 */
describe('the desktop app: safety numbers in New chat (Chromium, lying server)', () => {
  let server: TestServer;
  let liar: LyingServer;
  let chromium: PhoneBrowser;
  let page: Page;
  let desktop: RunningDesktopApp;
  let dir: string;
  let alice: Phone;
  let bob: Phone;
  let carol: Phone;
  let dave: Phone;
  const problems: string[] = [];

  const dialog = () => page.getByRole('dialog', { name: 'New chat' });
  const person = (username: string) =>
    dialog().getByRole('list', { name: 'People in the new chat' }).getByRole('listitem').filter({ hasText: username });

  beforeAll(async () => {
    ensureDesktopBuild();
    await initCrypto();
    server = await startTestServer();
    liar = await new LyingServer(server.url).start();
    alice = await signUpPhone(server, 'pkalice');
    bob = await signUpPhone(server, 'pkbob');
    carol = await signUpPhone(server, 'pkcarol');
    dave = await signUpPhone(server, 'pkdave');
    // Alice's phone met bob and carol, and verified bob: the pins every device of hers shares.
    await startChat(alice.api, alice.session, {
      title: 'Met',
      memberUsernames: [bob.session.username, carol.session.username],
    });
    const contacts = await phoneContacts(alice.api, alice.session);
    await contacts.setVerified(bob.session.userId, encodePublicKey(bob.session.identity.publicKey), true);

    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-picker-app-'));
    await pairDesktop(liar.url, alice, dir);
    desktop = await startDesktopApp(liar.url, dir);
    chromium = await launchChromium();
    page = await (await chromium.browser.newContext({ viewport: { width: 1100, height: 800 } })).newPage();
    page.on('pageerror', (error) => problems.push(error.message));
  }, 240_000);
  afterAll(async () => {
    await chromium?.close();
    await desktop?.stop();
    await liar?.stop();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows verified, not verified, new and unknown for the people typed', async () => {
    await page.goto(desktop.host.url);
    await page.getByRole('button', { name: 'New chat' }).click({ timeout: 30_000 });
    await dialog()
      .getByLabel('Usernames')
      .fill(`${bob.session.username}, ${carol.session.username} ${dave.session.username} nobody_by_this_name`);
    await person(bob.session.username).getByText('✓ Verified').waitFor({ timeout: 15_000 });
    await person(carol.session.username).getByText('Not verified', { exact: true }).waitFor();
    await person(dave.session.username).getByText('New contact — not verified').waitFor();
    await person('nobody_by_this_name').getByText('No one by this name on this server').waitFor();
    await dialog().getByRole('button', { name: 'Cancel' }).click();
  }, 60_000);

  it('a lookup answered with another key: "changed since you verified", no chat until answered, kept keys seal to the real one', async () => {
    const fake = encodePublicKey(generateBoxKeyPair().publicKey);
    const undo = liar.rewriteJson(api.lookupUser, (body, context) =>
      context.params.username === bob.session.username ? { ...(body as object), identityPublicKey: fake } : undefined,
    );
    try {
      await page.getByRole('button', { name: 'New chat' }).click();
      await dialog().getByLabel('Usernames').fill(bob.session.username);
      await person(bob.session.username)
        .getByText('Safety number changed since you verified it — confirm before starting')
        .waitFor({ timeout: 15_000 });
      expect(await dialog().getByRole('button', { name: 'Start chat' }).isDisabled()).toBe(true);
      // The app refuses it too, whatever the renderer does; nothing is created.
      const creates = liar.requestsTo(api.createChat).length;
      const refused = await page.evaluate(
        async (username) =>
          (globalThis as unknown as { symc: { startChat(i: object): Promise<unknown> } }).symc.startChat({
            usernames: [username],
          }),
        bob.session.username,
      );
      expect(refused).toMatchObject({ ok: false });
      expect(liar.requestsTo(api.createChat)).toHaveLength(creates);

      await person(bob.session.username).getByRole('button', { name: 'Keep the old keys' }).click();
      await person(bob.session.username).getByText('✓ Verified').waitFor({ timeout: 15_000 });
      await dialog().getByLabel('Name (optional)').fill('Kept keys');
      await dialog().getByRole('button', { name: 'Start chat' }).click();
      await page.getByRole('heading', { level: 2, name: 'Kept keys', exact: true }).waitFor({ timeout: 15_000 });
    } finally {
      undo();
    }
    const chats = (await bob.api.call('listChats', {})).chats;
    const kept = chats.find((c) => !c.members.some((m) => m.userId === carol.session.userId))!;
    // Bob opens it with his real identity key: the server's key got nothing.
    await expect(chatKeyFor(bob.api, bob.session, kept)).resolves.toHaveLength(32);
    expect(problems).toEqual([]);
  }, 90_000);
});
