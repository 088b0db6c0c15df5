import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { initCrypto } from '../common/crypto';
import type { IncomingMessage } from '../desktop/src/app/app-service';
import { PhoneSettings } from '../mobile-pairing/src/core/chat-prefs';
import { sendText } from '../mobile-pairing/src/core/chats';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { ensureDesktopBuild, type RunningDesktopApp, startDesktopApp, approveFromScreen } from './support/desktop-app';
import { openDesktopPage, stopInOrder } from './support/app-in-chromium';
import type { PhoneBrowser } from './support/phone-web';
import { seedChats, type SeededChat } from './support/seed';

/**
 * Archive, mute and delete-for-me in the desktop app (Chromium), synced encrypted with the user's phone
 * both ways (docs/MESSAGES.md "Chat preferences"); a muted chat's messages raise no notification.
 */
describe('the desktop app: archive, mute, delete chat for me (Chromium)', () => {
  let server: TestServer;
  let desktop: RunningDesktopApp;
  let chromium: PhoneBrowser;
  let page: Page;
  let dir: string;
  let phone: Awaited<ReturnType<typeof signUpPhone>>;
  let friend: Awaited<ReturnType<typeof signUpPhone>>;
  let chats: SeededChat[];
  let phoneSettings: PhoneSettings;
  const notified: IncomingMessage[] = [];
  let problems: string[];

  beforeAll(async () => {
    ensureDesktopBuild();
    await initCrypto();
    server = await startTestServer();
    phone = await signUpPhone(server, 'prefsui');
    friend = await signUpPhone(server, 'prefsfriend');
    chats = await seedChats(server, phone.session, { chats: 2, messagesPerChat: () => 1, friend: friend.session });
    phoneSettings = new PhoneSettings(phone.api, phone.session);
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-app-prefs-'));
    desktop = await startDesktopApp(server.url, dir);
    desktop.app.onIncoming((incoming) => notified.push(incoming));
    ({ chromium, page, problems } = await openDesktopPage(
      { viewport: { width: 1100, height: 700 } },
      { consoleErrors: false },
    ));
  }, 240_000);
  afterAll(() => stopInOrder([chromium, desktop, server], [dir]));

  const mainList = () => page.getByRole('list', { name: 'Chats', exact: true });
  const row = (title: string) => page.getByRole('button', { name: new RegExp(`^${title}\\b`) });

  it('links; archiving a chat moves it under "Archived" here and on the phone', async () => {
    await page.goto(desktop.host.url);
    await approveFromScreen(page, phone);
    await mainList()
      .getByRole('button', { name: /^Chat 0/ })
      .click({ timeout: 30_000 });
    await page.getByRole('heading', { level: 2, name: 'Chat 0', exact: true }).waitFor();

    await page.getByRole('button', { name: 'Archive', exact: true }).click();
    await page.getByRole('button', { name: 'Archived (1)' }).waitFor({ timeout: 10_000 });
    expect(
      await mainList()
        .getByRole('button', { name: /^Chat 0/ })
        .count(),
    ).toBe(0);
    await page.getByRole('button', { name: 'Archived (1)' }).click();
    await page
      .getByRole('list', { name: 'Archived chats' })
      .getByRole('button', { name: /^Chat 0/ })
      .waitFor();

    await phoneSettings.refresh();
    expect(phoneSettings.prefOf(chats[0]!.chatId)).toEqual({ archived: true });
  }, 120_000);

  it('a chat muted on the phone is marked muted here, live, and its messages notify nothing', async () => {
    await phoneSettings.setChatPref(chats[1]!.chatId, { muted: true });
    await mainList()
      .getByRole('button', { name: /^Chat 1, .*muted/ })
      .waitFor({ timeout: 10_000 });

    await sendText(friend.api, friend.session, chats[1]!.chatId, chats[1]!.key, 'nobody hears this');
    await sendText(friend.api, friend.session, chats[0]!.chatId, chats[0]!.key, 'this one rings');
    await page.locator('.preview', { hasText: 'this one rings' }).waitFor({ timeout: 15_000 });
    await page.locator('.preview', { hasText: 'nobody hears this' }).waitFor({ timeout: 15_000 });
    expect(notified.map((n) => n.message.text)).toEqual(['this one rings']);
    // An archived chat stays archived when a message arrives.
    expect(
      await mainList()
        .getByRole('button', { name: /^Chat 0/ })
        .count(),
    ).toBe(0);
  }, 60_000);

  it('delete chat for me: gone here and on the phone, its messages out of search, back with only the new message when someone writes', async () => {
    const search = page.getByRole('searchbox', { name: 'Search chats, messages and drafts' });
    const results = page.getByRole('region', { name: 'Search results' });
    await search.fill('nobody hears');
    await results.getByRole('button', { name: /Chat 1/ }).waitFor({ timeout: 15_000 });
    await search.fill('');
    await mainList()
      .getByRole('button', { name: /^Chat 1/ })
      .click();
    await page.getByRole('heading', { level: 2, name: 'Chat 1', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Delete chat…' }).click();
    await page.getByRole('button', { name: 'Delete for me' }).click();
    await row('Chat 1').waitFor({ state: 'detached', timeout: 10_000 });
    await phoneSettings.refresh();
    expect(phoneSettings.prefOf(chats[1]!.chatId)).toMatchObject({ muted: true, deletedAt: expect.any(Number) });
    // Purged from this desktop: not found by its text nor by the chat's title.
    await search.fill('nobody hears');
    await results.getByText('No results for “nobody hears”.').waitFor({ timeout: 10_000 });
    await search.fill('Chat 1');
    await results.getByText('No results for “Chat 1”.').waitFor({ timeout: 10_000 });
    await search.fill('');

    await sendText(friend.api, friend.session, chats[1]!.chatId, chats[1]!.key, 'still there?');
    await mainList()
      .getByRole('button', { name: /^Chat 1/ })
      .click({ timeout: 15_000 });
    await page.getByRole('heading', { level: 2, name: 'Chat 1', exact: true }).waitFor();
    await page.getByRole('article').filter({ hasText: 'still there?' }).waitFor();
    expect(await page.getByRole('article').filter({ hasText: 'nobody hears this' }).count()).toBe(0);
    await search.fill('still there');
    await results.getByRole('button', { name: /Chat 1/ }).waitFor({ timeout: 10_000 });
    await search.fill('nobody hears');
    await results.getByText('No results for “nobody hears”.').waitFor({ timeout: 10_000 });
    await search.fill('');
    expect(problems).toEqual([]);
  }, 60_000);
});
