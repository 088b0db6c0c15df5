import type { Page } from 'playwright-core';
import { initCrypto } from '../common/crypto';
import { chatKeysFor, readMessage } from '../mobile-pairing/src/core/chats';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { ensurePhoneBuild } from './support/build-phone';
import { launchChromium, newPhone, type PhoneBrowser } from './support/phone-web';

/**
 * The phone web app starts a group (docs/GROUPS.md): several exact usernames and a name, founded by a
 * signed statement every member verifies; and its chat list stays as wide as the screen with a long title.
 */
describe('the phone web app and groups', () => {
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

  it('starts a group with a 30-character name; the list row and the tab bar stay on the screen', async () => {
    const alice = await signUpPhone(server, 'gralice');
    const bob = await signUpPhone(server, 'grbob');
    const carol = await signUpPhone(server, 'grcarol');
    await page.goto(`${server.url}/phone/`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Username').fill(alice.session.username);
    await page.getByLabel('Password', { exact: true }).fill(alice.password);
    await page.getByRole('form', { name: 'Sign in' }).getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'New chat' }).click();

    // A group without a name is refused with a sentence, and nothing is created.
    await page.getByLabel('Usernames').fill(`${bob.session.username}, ${carol.session.username}`);
    await page.getByRole('button', { name: 'Start chat' }).click();
    await page.getByText('Name the group: everyone in it sees the name.').waitFor();
    expect((await bob.api.call('listChats', {})).chats).toEqual([]);

    const title = 'Saturday climbing at the crag!';
    expect(title).toHaveLength(30);
    await page.getByLabel(/Chat title/).fill(title);
    await page.getByRole('button', { name: 'Start chat' }).click();
    await page.getByPlaceholder(/message/i).fill('Who brings the rope?');
    await page.keyboard.press('Enter');
    await page.getByRole('log').getByText('Who brings the rope?').waitFor();

    // Both other members verify the founding statement and read the name and the message.
    for (const member of [bob, carol]) {
      const [chat] = (await member.api.call('listChats', {})).chats;
      expect(chat!.members).toHaveLength(3);
      const keys = await chatKeysFor(member.api, member.session, chat!);
      const page1 = await member.api.call('listMessages', { params: { chatId: chat!.chatId }, query: {} });
      expect(page1.messages.map((m) => readMessage(m, keys).text)).toEqual(['Who brings the rope?']);
      const { epochs } = await member.api.call('listEpochs', { params: { chatId: chat!.chatId } });
      expect(JSON.parse(epochs[0]!.statement)).toMatchObject({ action: 'create', keyVersion: 1 });
    }

    await page.goto(`${server.url}/phone/#/chats`);
    const row = page.locator('.chat-row').filter({ hasText: title.slice(0, 10) });
    await row.waitFor();
    const viewport = page.viewportSize()!;
    const rowBox = (await row.boundingBox())!;
    expect(rowBox.x + rowBox.width).toBeLessThanOrEqual(viewport.width);
    const tabBar = (await page.locator('nav.tab-bar').boundingBox())!;
    expect(tabBar.x).toBeGreaterThanOrEqual(0);
    expect(tabBar.x + tabBar.width).toBeLessThanOrEqual(viewport.width);
    expect(tabBar.y + tabBar.height).toBeLessThanOrEqual(viewport.height);
    // Nothing scrolls sideways: the page is exactly as wide as the screen.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(viewport.width);
    // The title is cut with an ellipsis, not wrapped or spilled.
    const titleEl = row.locator('.chat-row-title');
    expect(await titleEl.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    expect(problems).toEqual([]);
  }, 120_000);
});
