import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { initCrypto } from '../common/crypto';
import { chatKeyFor, sendText } from '../mobile-pairing/src/core/chats';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { ensureDesktopBuild, type RunningDesktopApp, startDesktopApp, approveFromScreen } from './support/desktop-app';
import { openDesktopPage, stopInOrder } from './support/app-in-chromium';
import type { PhoneBrowser } from './support/phone-web';
import { markOpened, seedChats, type SeededChat } from './support/seed';

const MB = 1024 * 1024;

/**
 * History beyond the synced set in the renderer (docs/SYNC.md): chats the desktop doesn't hold are listed
 * under "More chats" and open with their history from the server; scrolling past the local oldest pages
 * the server's older messages in; scrolled up, new messages are counted and marked, "Jump to latest" goes
 * down, and the user's own send follows itself. Also the list's "Draft: <text>".
 */
describe('the desktop app: history beyond the synced set (Chromium)', () => {
  let server: TestServer;
  let desktop: RunningDesktopApp;
  let chromium: PhoneBrowser;
  let page: Page;
  let dir: string;
  let phone: Awaited<ReturnType<typeof signUpPhone>>;
  let friend: Awaited<ReturnType<typeof signUpPhone>>;
  let chats: SeededChat[];
  let problems: string[];

  beforeAll(async () => {
    ensureDesktopBuild();
    await initCrypto();
    server = await startTestServer();
    phone = await signUpPhone(server, 'historyui');
    friend = await signUpPhone(server, 'historyuifriend');
    chats = await seedChats(server, phone.session, {
      chats: 3,
      messagesPerChat: (c) => [150, 3, 20][c]!,
      friend: friend.session,
    });
    await markOpened(server, phone.session, chats[2]!.chatId);
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-app-history-'));
    desktop = await startDesktopApp(server.url, dir);
    ({ chromium, page, problems } = await openDesktopPage({ viewport: { width: 1100, height: 700 } }));
  }, 240_000);
  afterAll(() => stopInOrder([chromium, desktop, server], [dir]));

  const messages = () => page.getByRole('log', { name: 'Messages' });
  const header = () => page.locator('.chat-header .muted');
  const scrollTo = (where: 'top' | 'middle', list: Locator = messages()) =>
    list.evaluate((el, at) => {
      el.scrollTop = at === 'top' ? 0 : el.scrollHeight / 2;
    }, where);

  it('links, and lists the chats it does not hold under "More chats"', async () => {
    await page.goto(desktop.host.url);
    await approveFromScreen(page, phone);
    await page.getByRole('heading', { level: 2, name: 'Chat 2', exact: true }).waitFor({ timeout: 30_000 });
    const list = page.getByRole('list', { name: 'Chats' });
    await list.getByRole('button', { name: /^Chat 0/ }).waitFor({ timeout: 30_000 });
    // Chat 2 open (protected): a budget of one chat evicts the two others, as a small budget would.
    await page.evaluate(
      (maxBytes) =>
        (globalThis as unknown as { symc: { setBudget: (b: object) => Promise<unknown> } }).symc.setBudget({
          maxChats: 1,
          maxBytes,
        }),
      50 * MB,
    );
    await list.getByRole('button', { name: /^Chat 0/ }).waitFor({ state: 'detached' });
    await page.evaluate(
      (maxBytes) =>
        (globalThis as unknown as { symc: { setBudget: (b: object) => Promise<unknown> } }).symc.setBudget({
          maxChats: 100,
          maxBytes,
        }),
      50 * MB,
    );

    await page.getByRole('button', { name: 'More chats' }).click();
    const more = page.getByRole('list', { name: 'Chats on the server' });
    await more.getByRole('button', { name: 'Chat 1, not on this desktop yet' }).waitFor();
    await more.getByRole('button', { name: 'Chat 0, not on this desktop yet' }).waitFor();
  });

  it('opens a chat from that list with its newest page from the server, and pages back past the local oldest', async () => {
    await page
      .getByRole('list', { name: 'Chats on the server' })
      .getByRole('button', { name: 'Chat 0, not on this desktop yet' })
      .click();
    await page.getByRole('heading', { level: 2, name: 'Chat 0', exact: true }).waitFor();
    await header().filter({ hasText: '100+ messages' }).waitFor();
    // Now on this desktop: in the list, out of "More chats".
    await page
      .getByRole('list', { name: 'Chats' })
      .getByRole('button', { name: /^Chat 0/ })
      .waitFor();
    await expect(
      page
        .getByRole('list', { name: 'Chats on the server' })
        .getByRole('button', { name: /^Chat 0/ })
        .count(),
    ).resolves.toBe(0);
    await messages().getByText('message 149 of chat 0', { exact: true }).waitFor();

    await scrollTo('top');
    await header()
      .filter({ hasText: /^150 messages/ })
      .waitFor({ timeout: 15_000 });
    await scrollTo('top');
    await messages().getByText('message 0 of chat 0', { exact: true }).waitFor();
    // Checked like synced messages: the friend's carry no warning.
    await expect(
      messages().getByRole('article').filter({ hasText: 'message 1 of chat 0' }).textContent(),
    ).resolves.toContain(friend.session.username);
  });

  it('scrolled up: a new message is counted and marked, "Jump to latest" goes down to it', async () => {
    await scrollTo('top');
    const chatId = chats[0]!.chatId;
    const key = await chatKeyFor(friend.api, friend.session, await friend.api.call('getChat', { params: { chatId } }));
    await sendText(friend.api, friend.session, chatId, key, 'while you were reading');
    const jump = page.getByRole('button', { name: '1 new message ↓' });
    await jump.waitFor({ timeout: 15_000 });
    await jump.click();
    await messages().getByRole('separator', { name: 'New messages' }).waitFor();
    await messages().getByText('while you were reading', { exact: true }).waitFor();
    await page.getByRole('button', { name: /new message|Jump to latest/ }).waitFor({ state: 'detached' });

    await scrollTo('middle');
    await page.getByRole('button', { name: 'Jump to latest ↓' }).click();
    await page.getByRole('button', { name: 'Jump to latest ↓' }).waitFor({ state: 'detached' });
  });

  it('the open chat follows your own send, even scrolled up', async () => {
    await scrollTo('top');
    await page.getByRole('button', { name: 'Jump to latest ↓' }).waitFor();
    const composer = page.getByRole('textbox', { name: 'Message' });
    await composer.fill('my own words');
    await composer.press('Enter');
    await messages().getByText('my own words', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Jump to latest ↓' }).waitFor({ state: 'detached' });
    const inView = await messages()
      .getByText('my own words', { exact: true })
      .evaluate((el) => {
        const box = el.getBoundingClientRect();
        const list = el.closest('[role="log"]')!.getBoundingClientRect();
        return box.top >= list.top && box.bottom <= list.bottom;
      });
    expect(inView).toBe(true);
  });

  it('the list shows a draft with its text', async () => {
    await page.getByRole('textbox', { name: 'Message' }).fill('half a thought');
    await page
      .getByRole('list', { name: 'Chats' })
      .getByRole('button', { name: /^Chat 2/ })
      .click();
    await page.getByRole('heading', { level: 2, name: 'Chat 2', exact: true }).waitFor();
    const entry = page.getByRole('list', { name: 'Chats' }).getByRole('button', { name: /^Chat 0/ });
    await entry.getByText('Draft:').waitFor();
    await expect(entry.locator('.preview').textContent()).resolves.toBe('Draft: half a thought');
  });

  it('a search hit in a message paged in from the server names its sender', async () => {
    const search = page.getByRole('searchbox', { name: 'Search chats, messages and drafts' });
    await search.fill('message 1 of chat 0');
    const hit = page
      .getByRole('region', { name: 'Search results' })
      .getByRole('button')
      .filter({ hasText: 'message 1 of chat 0' })
      .first();
    await expect(hit.locator('.result-sender').textContent({ timeout: 15_000 })).resolves.toBe(friend.session.username);
    await search.fill('');
    expect(problems).toEqual([]);
  });
});
