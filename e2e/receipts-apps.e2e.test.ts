import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { initCrypto } from '../common/crypto';
import { chatKeyFor, sendText, startChat } from '../mobile-pairing/src/core/chats';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { ensurePhoneBuild } from './support/build-phone';
import { ensureDesktopBuild, type RunningDesktopApp, startDesktopApp, approveFromScreen } from './support/desktop-app';
import { until } from './support/desktop';
import { launchChromium, newPhone, type PhoneBrowser } from './support/phone-web';

/**
 * Receipts per recipient in both apps (docs/MESSAGES.md), as a user sees them in Chromium: Alice's phone
 * shows ticks on her group message and sends receipts for Bob's; her desktop shows "Read by 1 of 2" and,
 * on demand, who.
 */
describe('receipts in the phone web app and the desktop app (Chromium)', () => {
  let server: TestServer;
  let chromium: PhoneBrowser;
  let phonePage: Page;
  let phoneProblems: string[];
  let desktop: RunningDesktopApp;
  let desktopPage: Page;
  let dir: string;
  let alice: Awaited<ReturnType<typeof signUpPhone>>;
  let bob: Awaited<ReturnType<typeof signUpPhone>>;
  let carol: Awaited<ReturnType<typeof signUpPhone>>;
  let chatId: string;
  let messageId: string;

  beforeAll(async () => {
    ensurePhoneBuild();
    ensureDesktopBuild();
    await initCrypto();
    server = await startTestServer();
    alice = await signUpPhone(server, 'tkalice');
    bob = await signUpPhone(server, 'tkbob');
    carol = await signUpPhone(server, 'tkcarol');
    ({
      chat: { chatId },
    } = await startChat(alice.api, alice.session, {
      title: 'Climbing',
      memberUsernames: [bob.session.username, carol.session.username],
    }));
    chromium = await launchChromium();
    ({ page: phonePage, problems: phoneProblems } = await newPhone(chromium.browser));
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-app-receipts-'));
    desktop = await startDesktopApp(server.url, dir);
    desktopPage = await (await chromium.browser.newContext({ viewport: { width: 1100, height: 700 } })).newPage();
  }, 300_000);
  afterAll(async () => {
    await chromium?.close();
    await desktop?.stop();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the phone's own message: 'Delivered to 0 of 2', then 'Read by 1 of 2' when Bob reads it", async () => {
    await phonePage.goto(`${server.url}/phone/`);
    await phonePage.getByRole('button', { name: 'Sign in' }).click();
    await phonePage.getByLabel('Username').fill(alice.session.username);
    await phonePage.getByLabel('Password', { exact: true }).fill(alice.password);
    await phonePage.getByRole('form', { name: 'Sign in' }).getByRole('button', { name: 'Sign in' }).click();
    await phonePage.getByRole('link', { name: 'New chat' }).waitFor();
    await phonePage.goto(`${server.url}/phone/#/chats/${chatId}`);
    await phonePage.getByPlaceholder(/message/i).fill('Who brings the rope?');
    await phonePage.keyboard.press('Enter');
    const mine = phonePage.getByRole('log').locator('li').filter({ hasText: 'Who brings the rope?' });
    await mine.getByRole('img', { name: 'Delivered to 0 of 2' }).waitFor({ timeout: 15_000 });
    expect(await mine.locator('[data-status]').getAttribute('data-status')).toBe('sent');

    const record = (await bob.api.call('listMessages', { params: { chatId }, query: {} })).messages.find(
      (m) => m.senderUserId === alice.session.userId,
    )!;
    messageId = record.messageId;
    await bob.api.call('markMessages', { params: { chatId }, body: { messageIds: [messageId], status: 'read' } });
    await mine.getByRole('img', { name: 'Read by 1 of 2' }).waitFor({ timeout: 15_000 });
    // One reader of two: the message as a whole is not "read" yet.
    expect(await mine.locator('[data-status]').getAttribute('data-status')).toBe('sent');
  }, 120_000);

  it('the phone sends delivered and read receipts for Bob’s message while the chat is open', async () => {
    const bobKey = await chatKeyFor(bob.api, bob.session, await bob.api.call('getChat', { params: { chatId } }));
    const fromBob = await sendText(bob.api, bob.session, chatId, bobKey, 'I do');
    await phonePage.getByRole('log').getByText('I do').waitFor({ timeout: 15_000 });
    await until(
      async () => {
        const page = await bob.api.call('listMessages', { params: { chatId }, query: {} });
        const seen = page.messages.find((m) => m.messageId === fromBob.messageId);
        return seen?.readBy?.some((r) => r.userId === alice.session.userId) ?? false;
      },
      15_000,
      "Alice's phone's read receipt",
    );
    expect(phoneProblems).toEqual([]);
  }, 60_000);

  it("the desktop shows distinct ticks and 'Read by 1 of 2', and who on demand", async () => {
    await desktopPage.goto(desktop.host.url);
    await approveFromScreen(desktopPage, alice);
    await desktopPage
      .getByRole('list', { name: 'Chats' })
      .getByRole('button', { name: /^Climbing/ })
      .click({ timeout: 30_000 });
    const bubble = desktopPage.getByRole('article').filter({ hasText: 'Who brings the rope?' });
    await bubble.getByRole('img', { name: 'Sent' }).waitFor({ timeout: 15_000 });
    await expect(bubble.locator('.ticks path').count()).resolves.toBe(1);
    await bubble.getByRole('button', { name: 'Read by 1 of 2' }).click();
    const who = bubble.getByRole('list', { name: 'Who received this message' });
    await who
      .locator(`[data-user-id="${bob.session.userId}"]`)
      .getByText(/^read /)
      .waitFor();
    await who.locator(`[data-user-id="${carol.session.userId}"]`).getByText('not delivered yet').waitFor();

    // Carol reads it: the desktop's mark becomes "Read" — a glyph of its own, not the delivered one.
    await carol.api.call('markMessages', { params: { chatId }, body: { messageIds: [messageId], status: 'read' } });
    await bubble.getByRole('img', { name: 'Read' }).waitFor({ timeout: 15_000 });
    // Sent is one check; read is two checks on a filled disc (delivered: two checks, no disc).
    await expect(bubble.locator('.ticks path').count()).resolves.toBe(2);
    await expect(bubble.locator('.ticks rect').count()).resolves.toBe(1);
  }, 120_000);

  it('read receipts off: what one app reads is read in the other — unread marks and "New messages" follow — and Bob never learns it', async () => {
    const bobKey = await chatKeyFor(bob.api, bob.session, await bob.api.call('getChat', { params: { chatId } }));
    const readByAlice = async (messageId: string) =>
      (await bob.api.call('listMessages', { params: { chatId }, query: {} })).messages
        .find((m) => m.messageId === messageId)
        ?.readBy?.some((r) => r.userId === alice.session.userId) ?? false;
    await desktop.app.linked().core.settings.update({ sendReadReceipts: false });
    // The phone reads its settings again (and stays on the list: nothing is read there).
    await phonePage.goto(`${server.url}/phone/#/chats`);
    await phonePage.reload();
    const phoneRow = phonePage.getByRole('link', { name: /Climbing/ });
    await phoneRow.waitFor({ timeout: 15_000 });

    // Read on the desktop (the chat is open there): the phone's list shows it read.
    const first = await sendText(bob.api, bob.session, chatId, bobKey, 'quiet one');
    await desktopPage.getByRole('article').filter({ hasText: 'quiet one' }).waitFor({ timeout: 15_000 });
    // Opening the chat reads it (a window in front reads new messages of the open chat by itself).
    await desktopPage
      .getByRole('list', { name: 'Chats' })
      .getByRole('button', { name: /^Climbing/ })
      .click();
    await until(
      () => desktop.app.linked().core.unreadCounts().get(chatId) === undefined,
      15_000,
      'read on the desktop',
    );
    await phoneRow.getByText('quiet one').waitFor({ timeout: 15_000 });
    await until(async () => (await phoneRow.getAttribute('data-unread')) === null, 15_000, 'read on the phone too');

    // Read on the phone, with the desktop's window closed: the desktop's unread count goes.
    await desktopPage.goto('about:blank');
    const second = await sendText(bob.api, bob.session, chatId, bobKey, 'second quiet one');
    await phoneRow.getByRole('img', { name: 'Unread' }).waitFor({ timeout: 15_000 });
    await until(() => desktop.app.linked().core.unreadCounts().get(chatId) === 1, 15_000, 'unread on the desktop');
    await phoneRow.click();
    const divider = phonePage.getByRole('separator', { name: 'New messages' });
    await divider.waitFor({ timeout: 15_000 });
    await expect(
      phonePage.locator('.new-messages-marker + li').filter({ hasText: 'second quiet one' }).count(),
    ).resolves.toBe(1);
    await until(
      () => desktop.app.linked().core.unreadCounts().get(chatId) === undefined,
      15_000,
      'read on the desktop from the phone',
    );
    await desktopPage.goto(desktop.host.url);
    const desktopRow = desktopPage.getByRole('list', { name: 'Chats' }).getByRole('button', { name: /^Climbing/ });
    await desktopRow.waitFor({ timeout: 30_000 });
    expect(await desktopRow.getAttribute('aria-label')).not.toMatch(/unread/);

    expect(await readByAlice(first.messageId)).toBe(false);
    expect(await readByAlice(second.messageId)).toBe(false);
    expect(phoneProblems).toEqual([]);
  }, 120_000);
});
