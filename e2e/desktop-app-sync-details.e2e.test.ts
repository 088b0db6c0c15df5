import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { initCrypto } from '../common/crypto';
import { chatKeyFor, sendText, startChat } from '../mobile-pairing/src/core/chats';
import { approvePairing, lookupPairing, parsePairingInput } from '../mobile-pairing/src/core/pairing';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { ensureDesktopBuild, type RunningDesktopApp, startDesktopApp } from './support/desktop-app';
import { LyingServer } from './support/lying-server';
import { openDesktopPage, stopInOrder } from './support/app-in-chromium';
import type { PhoneBrowser } from './support/phone-web';

const ARTIFACTS = path.resolve(__dirname, '../test-artifacts/desktop');
const DURATION = /^\d+ ms after approval$|^\d+\.\d s after approval$|^\d+ min \d+ s after approval$/;

/**
 * The sync details in the desktop app (headless host, the real renderer in Chromium): what the user
 * waited for in the first sync, counted from the phone's approval, and the sync's last error — here one
 * the server sends in place of a live message.
 */
describe('the desktop app’s sync details', () => {
  let server: TestServer;
  let liar: LyingServer;
  let chromium: PhoneBrowser;
  let page: Page;
  let desktop: RunningDesktopApp;
  let dir: string;
  let problems: string[];

  beforeAll(async () => {
    ensureDesktopBuild();
    mkdirSync(ARTIFACTS, { recursive: true });
    await initCrypto();
    server = await startTestServer();
    liar = await new LyingServer(server.url).start();
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-desktop-sync-details-'));
    ({ chromium, page, problems } = await openDesktopPage(
      { viewport: { width: 1100, height: 700 }, locale: 'en-GB' },
      { consoleErrors: false },
    ));
  }, 240_000);
  afterAll(() => stopInOrder([chromium, desktop, liar, server], [dir]));

  it('shows the time from approval to the first readable chat and to the complete copy, and a sync error', async () => {
    const ana = await signUpPhone(server, 'sdana');
    const ben = await signUpPhone(server, 'sdben');
    const { chat } = await startChat(ana.api, ana.session, { title: 'Lunch', memberUsernames: [ben.session.username] });
    const keyOf = async (p: typeof ben) =>
      chatKeyFor(p.api, p.session, await p.api.call('getChat', { params: { chatId: chat.chatId } }));
    for (let i = 0; i < 5; i++) await sendText(ben.api, ben.session, chat.chatId, await keyOf(ben), `before ${i}`);

    desktop = await startDesktopApp(liar.url, dir);
    const shown = new Promise<{ link: string; checkCode: string }>((resolve) => {
      desktop.app.onEvent((event, payload) => {
        const view = payload as { kind?: string; link?: string; checkCode?: string };
        if (event === 'pairingState' && view.kind === 'showing')
          resolve({ link: view.link!, checkCode: view.checkCode! });
      });
    });
    await page.goto(desktop.host.url);
    const { link, checkCode } = await shown;
    await approvePairing(ana.api, ana.session, await lookupPairing(ana.api, parsePairingInput(link)), checkCode);

    const panel = page.getByRole('region', { name: 'Sync progress' });
    await panel.getByText('Up to date').waitFor({ timeout: 60_000 });
    await panel.getByText('Sync details').click();
    const times = panel.getByLabel('First sync times');
    await times.waitFor();
    const value = async (term: string) =>
      (await times
        .locator('div', { has: page.locator('dt', { hasText: term }) })
        .locator('dd')
        .textContent())!.trim();
    expect(await value('First chat readable')).toMatch(DURATION);
    expect(await value('Complete copy')).toMatch(DURATION);
    await expect(panel.getByRole('alert').count()).resolves.toBe(0);

    // The server answers the next live message with an error instead: the panel says so.
    const said = 'The server could not deliver your new messages.';
    liar.rewriteSse((event) =>
      event.event === 'message:new'
        ? { event: 'sync:error', data: JSON.stringify({ code: 'internal', message: said, retryable: true }) }
        : event,
    );
    await sendText(ben.api, ben.session, chat.chatId, await keyOf(ben), 'after');
    const alert = panel.getByRole('alert', { name: 'Sync problem' });
    await alert.waitFor({ timeout: 30_000 });
    await expect(alert.textContent()).resolves.toBe(said);
    await page.screenshot({ path: path.join(ARTIFACTS, 'sync-details.png') });
    expect(problems).toEqual([]);
  }, 120_000);
});
