import { initCrypto } from '../common/crypto';
import { startChat } from '../mobile-pairing/src/core/chats';
import { PhoneDrafts } from '../mobile-pairing/src/core/drafts';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { until } from './support/desktop';
import { ensurePhoneBuild } from './support/build-phone';
import { launchChromium, newPhone, type PhoneBrowser } from './support/phone-web';
import type { Page } from 'playwright-core';

/**
 * The phone web app's composer, in Chromium against the real server, and the user's other device (the
 * phone library in this process): typing on the web saves an encrypted draft the other device reads,
 * the other device's draft appears in the open composer, a reopened chat restores its draft, and sending
 * deletes it everywhere.
 */
describe('drafts in the phone web app', () => {
  let server: TestServer;
  let chromium: PhoneBrowser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    ensurePhoneBuild();
    await initCrypto();
    server = await startTestServer();
    chromium = await launchChromium();
    ({ page, problems } = await newPhone(chromium.browser));
  }, 180_000);
  afterAll(async () => {
    await chromium?.close();
    await server?.stop();
  });

  it('follows the user between the web app and another device', async () => {
    const me = await signUpPhone(server, 'webdraft');
    const { chat } = await startChat(me.api, me.session, { title: 'Draft chat', memberUsernames: [] });
    const other = new PhoneDrafts({ client: me.api, session: me.session, debounceMs: 10 });

    await page.goto(`${server.url}/phone/`);
    await page.getByRole('button', { name: 'Sign in' }).first().click();
    await page.getByLabel('Username').fill(me.session.username);
    await page.getByLabel('Password', { exact: true }).fill(me.password);
    await page.getByRole('button', { name: 'Sign in' }).last().click();
    await page.getByRole('list', { name: 'Chats' }).getByText('Draft chat').click();
    const composer = page.getByRole('textbox', { name: 'Message' });

    // Typed on the web: saved (encrypted) after the delay, read by the other device.
    await composer.fill('Half-written on the phone web app');
    await until(
      async () => (await other.load(chat.chatId)) === 'Half-written on the phone web app',
      10_000,
      'the web draft on the other device',
    );
    const stored = await me.api.call('getDraft', { params: { chatId: chat.chatId } });
    expect(stored!.ciphertext).toMatch(/^v1\./);
    expect(server.logs.join('\n')).not.toContain('Half-written');

    // Written on the other device: the open composer takes it with its next poll.
    other.edit(chat.chatId, 'Finished on the other device');
    await other.flush();
    await until(
      async () => (await composer.inputValue()) === 'Finished on the other device',
      15_000,
      'the other draft in the composer',
    );

    // Leaving the chat: its row in the list shows the draft, marked as one; coming back restores it.
    await page.getByRole('link', { name: 'Back' }).click();
    const row = page.getByRole('list', { name: 'Chats' }).getByRole('link').filter({ hasText: 'Draft chat' });
    await row.getByText('Draft: Finished on the other device').waitFor();
    await row.click();
    await until(
      async () => (await composer.inputValue()) === 'Finished on the other device',
      10_000,
      'the restored draft',
    );

    // Sending the text deletes the draft everywhere.
    await composer.press('Enter');
    await page.getByRole('log').getByText('Finished on the other device').waitFor();
    await until(async () => (await other.load(chat.chatId)) === null, 10_000, 'the draft to be deleted');
    expect((await me.api.call('getDraft', { params: { chatId: chat.chatId } }))!.ciphertext).toBeNull();
    other.close();
    expect(problems.splice(0)).toEqual([]);
  });

  it('a draft typed offline survives the tab closing, ciphertext only, and is sent when the network is back', async () => {
    const me = await signUpPhone(server, 'webtrain');
    const { chat } = await startChat(me.api, me.session, { title: 'Train chat', memberUsernames: [] });
    const phone = await newPhone(chromium.browser);
    await phone.page.goto(`${server.url}/phone/`);
    await phone.page.getByRole('button', { name: 'Sign in' }).first().click();
    await phone.page.getByLabel('Username').fill(me.session.username);
    await phone.page.getByLabel('Password', { exact: true }).fill(me.password);
    await phone.page.getByRole('button', { name: 'Sign in' }).last().click();
    await phone.page.getByRole('list', { name: 'Chats' }).getByText('Train chat').click();
    const composer = phone.page.getByRole('textbox', { name: 'Message' });
    await composer.waitFor();

    // In a tunnel: typed, saved on the phone after the delay (encrypted), not sent.
    await phone.context.setOffline(true);
    await composer.fill('Typed on the train, no signal');
    const saved = () =>
      phone.page.evaluate<string>(
        `Object.entries(localStorage).filter(([k]) => k.startsWith('symc.drafts.')).map(([, v]) => v).join('\\n')`,
      );
    await until(async () => (await saved()).includes('"pending":true'), 10_000, 'the offline draft saved on the phone');
    expect(await saved()).not.toContain('Typed on the train');
    // No draft is an answer (null), not a 404 the browser would log as an error.
    expect(await me.api.call('getDraft', { params: { chatId: chat.chatId } })).toBeNull();

    // The tab is closed; later, with the network back, the app is opened again: the draft goes out.
    await phone.page.close();
    await phone.context.setOffline(false);
    const again = await phone.context.newPage();
    await again.goto(`${server.url}/phone/`);
    await again.getByRole('list', { name: 'Chats' }).getByText('Draft: Typed on the train, no signal').waitFor();
    await until(
      async () => {
        const draft = await me.api.call('getDraft', { params: { chatId: chat.chatId } }).catch(() => null);
        return draft?.ciphertext ? (await other(me).load(chat.chatId)) === 'Typed on the train, no signal' : false;
      },
      15_000,
      'the draft on the server',
    );
    await phone.context.close();
  });

  const other = (me: Awaited<ReturnType<typeof signUpPhone>>) =>
    new PhoneDrafts({ client: me.api, session: me.session, debounceMs: 10 });
});
