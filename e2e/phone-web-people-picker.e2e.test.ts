import type { Page } from 'playwright-core';
import { api } from '../common/contract';
import { encodePublicKey, generateBoxKeyPair, initCrypto } from '../common/crypto';
import { chatKeyFor, startChat } from '../mobile-pairing/src/core/chats';
import { phoneContacts } from '../mobile-pairing/src/core/contacts';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { ensurePhoneBuild } from './support/build-phone';
import { LyingServer } from './support/lying-server';
import { launchChromium, newPhone, type PhoneBrowser } from './support/phone-web';

/**
 * The phone web app's New chat shows each typed person's safety-number state from the user's pins, and,
 * behind a server that answers the lookup with another identity key, "changed since you verified": the
 * chat waits for the user's answer, and keeping the old keys starts it sealed to the real key (Chromium).
 */
describe('the phone web app: safety numbers in New chat (lying server)', () => {
  let server: TestServer;
  let liar: LyingServer;
  let chromium: PhoneBrowser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    ensurePhoneBuild();
    await initCrypto();
    server = await startTestServer();
    liar = await new LyingServer(server.url).start();
    chromium = await launchChromium();
    ({ page, problems } = await newPhone(chromium.browser));
  }, 180_000);
  afterAll(async () => {
    await chromium?.close();
    await liar?.stop();
    await server?.stop();
  });

  it('shows "changed" for a forged lookup; keeping the old keys starts the chat; then verified / not verified / new', async () => {
    const alice = await signUpPhone(server, 'pwalice');
    const bob = await signUpPhone(server, 'pwbob');
    const carol = await signUpPhone(server, 'pwcarol');
    const dave = await signUpPhone(server, 'pwdave');
    await startChat(alice.api, alice.session, {
      title: 'Met',
      memberUsernames: [bob.session.username, carol.session.username],
    });
    const contacts = await phoneContacts(alice.api, alice.session);
    await contacts.setVerified(bob.session.userId, encodePublicKey(bob.session.identity.publicKey), true);

    await page.goto(`${liar.url}/phone/`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Username').fill(alice.session.username);
    await page.getByLabel('Password', { exact: true }).fill(alice.password);
    await page.getByRole('form', { name: 'Sign in' }).getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'New chat' }).click();

    const people = page.getByRole('list', { name: 'People in the new chat' });
    const person = (username: string) => people.getByRole('listitem').filter({ hasText: username });

    // The lie is in place before the browser ever asked for bob (it would otherwise revalidate its cached
    // real answer with the server: a 304 the proxy has no body to rewrite in).
    const fake = encodePublicKey(generateBoxKeyPair().publicKey);
    const undo = liar.rewriteJson(api.lookupUser, (body, context) =>
      context.params.username === bob.session.username ? { ...(body as object), identityPublicKey: fake } : undefined,
    );
    try {
      await page.getByLabel('Usernames').fill(bob.session.username);
      await person(bob.session.username)
        .getByText('Safety number changed since you verified it — confirm before starting')
        .waitFor({ timeout: 15_000 });
      expect(await page.getByRole('button', { name: 'Start chat' }).isDisabled()).toBe(true);
      expect(liar.requestsTo(api.createChat)).toHaveLength(0);
      await person(bob.session.username).getByRole('button', { name: 'Keep the old keys' }).click();
      await person(bob.session.username).getByText('✓ Verified').waitFor({ timeout: 15_000 });
      await page.getByLabel(/Chat title/).fill('Kept keys');
      await page.getByRole('button', { name: 'Start chat' }).click();
      await page.getByPlaceholder(/message/i).waitFor({ timeout: 15_000 });
    } finally {
      undo();
    }

    await page.goto(`${liar.url}/phone/#/chats`);
    await page.getByRole('link', { name: 'New chat' }).click();
    await page
      .getByLabel('Usernames')
      .fill(`${bob.session.username} ${carol.session.username} ${dave.session.username} nobody_by_this_name`);
    await person(bob.session.username).getByText('✓ Verified').waitFor({ timeout: 15_000 });
    await person(carol.session.username).getByText('Not verified', { exact: true }).waitFor();
    await person(dave.session.username).getByText('New contact — not verified').waitFor();
    await person('nobody_by_this_name').getByText('No one by this name on this server').waitFor();

    const kept = (await bob.api.call('listChats', {})).chats.find(
      (c) => !c.members.some((m) => m.userId === carol.session.userId),
    )!;
    // Bob opens it with his real identity key: the server's key got nothing.
    await expect(chatKeyFor(bob.api, bob.session, kept)).resolves.toHaveLength(32);
    expect(problems).toEqual([]);
  }, 120_000);
});
