import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { api, type MessageRecord } from '../common/contract';
import { initCrypto } from '../common/crypto';
import { SenderBook } from '../common/trust/message-author';
import { ServerSenderKeyDirectory } from '../common/trust/sender-keys';
import { chatKeyFor, readMessage, sendText, startChat } from '../mobile-pairing/src/core/chats';
import { signUpPhone, signUpPhoneWithoutSigningKey } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { ensurePhoneBuild } from './support/build-phone';
import { until } from './support/desktop';
import { LyingServer } from './support/lying-server';
import { launchChromium, newPhone, type PhoneBrowser } from './support/phone-web';

const ARTIFACTS = path.resolve(__dirname, '../test-artifacts/phone');

/**
 * The phone web app shows who wrote each message as the signatures prove it, served through a server
 * that lies (a LyingServer in front of the real one). Alice's account is from before message signing:
 * signing in on the phone makes its key.
 */
describe('the phone web app and message authors', () => {
  let server: TestServer;
  let liar: LyingServer;
  let chromium: PhoneBrowser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    ensurePhoneBuild();
    mkdirSync(ARTIFACTS, { recursive: true });
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

  it('shows verified, legacy and unverified messages distinctly, and never under the name a body or the server claims', async () => {
    const alice = await signUpPhoneWithoutSigningKey(server, 'webold');
    const bob = await signUpPhone(server, 'webbob');
    const mallory = await signUpPhone(server, 'webmallory');
    const carol = await signUpPhoneWithoutSigningKey(server, 'webcarol');
    const { chat } = await startChat(alice.api, alice.session, {
      title: 'Trip',
      memberUsernames: [bob.session.username, mallory.session.username, carol.session.username],
    });
    const keyOf = async (p: typeof bob) =>
      chatKeyFor(p.api, p.session, await p.api.call('getChat', { params: { chatId: chat.chatId } }));
    await sendText(bob.api, bob.session, chat.chatId, await keyOf(bob), 'Bob, really');
    await sendText(
      mallory.api,
      mallory.session,
      chat.chatId,
      await keyOf(mallory),
      'Mallory, calling herself Bob',
      bob.session.username,
    );
    await sendText(carol.api, carol.session, chat.chatId, await keyOf(carol), 'Carol on an old app');
    const moved = await sendText(
      mallory.api,
      mallory.session,
      chat.chatId,
      await keyOf(mallory),
      'Mallory, pinned on Bob by the server',
    );
    // The server re-attributes that one message to Bob in every page it serves.
    liar.rewriteJson(api.listMessages, (body) => {
      const page = body as { messages: MessageRecord[] };
      return {
        ...page,
        messages: page.messages.map((m) =>
          m.messageId === moved.messageId ? { ...m, senderUserId: bob.session.userId } : m,
        ),
      };
    });

    await page.goto(`${liar.url}/phone/`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Username').fill(alice.session.username);
    await page.getByLabel('Password', { exact: true }).fill(alice.password);
    await page.getByRole('form', { name: 'Sign in' }).getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Chats', exact: true }).waitFor();

    // An account from before signing: its phone made the key at sign-in, and the directory publishes it.
    await until(
      async () =>
        (await bob.api.call('lookupUserById', { params: { userId: alice.session.userId } })).signingPublicKey !== null,
      10_000,
      'the signing key of the upgraded account',
    );

    await page.getByRole('link', { name: /Trip/ }).click();
    const log = page.getByRole('log', { name: 'Messages in Trip' });
    await log.getByText('Mallory, pinned on Bob by the server').waitFor();
    const row = (text: string) => log.locator('li.bubble-row', { hasText: text });

    await expect(row('Bob, really').getAttribute('data-verification')).resolves.toBe('verified');
    await expect(row('Bob, really').locator('.bubble-sender').textContent()).resolves.toBe(bob.session.username);

    // The body says Bob; the signature says Mallory.
    await expect(row('Mallory, calling herself Bob').getAttribute('data-verification')).resolves.toBe('verified');
    await expect(row('Mallory, calling herself Bob').locator('.bubble-sender').textContent()).resolves.toBe(
      mallory.session.username,
    );

    // Before signing: the name, with a subtle mark.
    await expect(row('Carol on an old app').getAttribute('data-verification')).resolves.toBe('legacy');
    await expect(row('Carol on an old app').locator('.bubble-sender').textContent()).resolves.toBe(
      carol.session.username,
    );
    await expect(row('Carol on an old app').locator('.bubble-legacy').textContent()).resolves.toContain('unsigned');

    // Re-attributed by the server: a warning, and no one's name.
    const forged = row('Mallory, pinned on Bob by the server');
    await expect(forged.getAttribute('data-verification')).resolves.toBe('unverified');
    await expect(forged.getByRole('note').textContent()).resolves.toContain('Unverified sender');
    expect(await forged.textContent()).not.toContain(bob.session.username);
    await page.screenshot({ path: path.join(ARTIFACTS, 'senders.png') });

    // What Alice sends now is signed: Bob's client verifies it as hers.
    const composer = page.getByRole('textbox', { name: 'Message' });
    await composer.fill('Signed from the web app');
    await composer.press('Enter');
    await log.getByText('Signed from the web app').waitFor();
    const sent = (await bob.api.call('listMessages', { params: { chatId: chat.chatId }, query: {} })).messages.find(
      (m) => m.senderUserId === alice.session.userId,
    )!;
    const book = new SenderBook(new ServerSenderKeyDirectory(bob.api));
    await book.load([alice.session.userId]);
    expect(
      book.author(
        { chatId: chat.chatId, messageId: sent.messageId, senderUserId: alice.session.userId },
        readMessage(sent, await keyOf(bob)),
      ),
    ).toEqual({
      verification: 'verified',
      displayName: alice.session.username,
    });
    expect(problems).toEqual([]);
  });
});
