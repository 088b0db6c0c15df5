import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { initCrypto } from '../common/crypto';
import { DesktopCore } from '../desktop/src/core/desktop-core';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { until } from './support/desktop';
import {
  approveShownQr,
  ensureDesktopBuild,
  expireDeviceSessions,
  type RunningDesktopApp,
  startDesktopApp,
} from './support/desktop-app';
import { openDesktopPage, stopInOrder } from './support/app-in-chromium';
import type { PhoneBrowser } from './support/phone-web';
import { seedChats, sendSeeded } from './support/seed';

/**
 * The session-end screen after an expiry (real Chromium over the headless host): it says the history is
 * still here, shows the QR right there, and offers "Link again (keep this desktop's history)" next to
 * signing out. Linking again keeps the chats and brings what was sent meanwhile; signing out erases them.
 */
describe('the desktop app relinks with its history, or erases it', () => {
  let server: TestServer;
  let chromium: PhoneBrowser;
  let page: Page;
  let desktopApp: RunningDesktopApp | null = null;
  const dirs: string[] = [];
  let problems: string[];

  beforeAll(async () => {
    ensureDesktopBuild();
    await initCrypto();
    server = await startTestServer({ SSE_HEARTBEAT_SECONDS: '1' });
    ({ chromium, page, problems } = await openDesktopPage(
      { viewport: { width: 1100, height: 760 }, locale: 'en-GB' },
      { ignoreConsole: /Failed to load resource/ },
    ));
  }, 240_000);

  afterAll(() => stopInOrder([chromium, desktopApp, server], dirs));

  const chatList = () => page.getByRole('list', { name: 'Chats' });
  const why = () => page.getByRole('status', { name: 'Why this desktop was signed out' });

  /** A linked app with the account's chats, closed, then 30 days pass; reopened on the session-end screen. */
  async function expiredApp(name: string) {
    const dir = mkdtempSync(path.join(os.tmpdir(), `symc-relink-app-${name}-`));
    dirs.push(dir);
    const phone = await signUpPhone(server, name);
    const chats = await seedChats(server, phone.session, { chats: 2, messagesPerChat: () => 5 });
    // The previous test's app stops first: a running one would go on syncing after the suite ends.
    await desktopApp?.stop();
    desktopApp = await startDesktopApp(server.url, dir);
    await page.goto(desktopApp.host.url);
    await approveShownQr(desktopApp.app, phone);
    await page.getByRole('region', { name: 'Sync progress' }).getByText('Up to date').waitFor({ timeout: 30_000 });
    await chatList()
      .getByRole('button', { name: /^Chat 0(,|$)/ })
      .waitFor();
    const deviceId = desktopApp.app.snapshot().account!.deviceId;
    await desktopApp.stop();
    desktopApp = null;
    await expireDeviceSessions(server, deviceId);
    desktopApp = await startDesktopApp(server.url, dir);
    await page.goto(desktopApp.host.url);
    await why().getByRole('heading', { name: 'Signed out after 30 days without use' }).waitFor({ timeout: 20_000 });
    return { dir, phone, chats };
  }

  it('"Link again" keeps the chats and brings what was sent while away', async () => {
    const { dir, phone, chats } = await expiredApp('relinkapp');
    await why().getByText('Its chats are still here, encrypted').waitFor();
    await why().getByRole('button', { name: 'Link again (keep this desktop’s history)' }).waitFor();
    await why().getByRole('button', { name: 'Sign out and erase this desktop’s history' }).waitFor();
    await page.getByRole('img', { name: 'Pairing QR code' }).waitFor({ timeout: 15_000 });
    expect(DesktopCore.holdsKeptStore(dir)).toBe(true);
    await page.screenshot({ path: path.resolve(__dirname, '../test-artifacts/desktop/relink-kept-history.png') });

    await sendSeeded(server, phone.session, chats[0]!, 'Sent while the desktop was away');
    await why().getByRole('button', { name: 'Link again (keep this desktop’s history)' }).click();
    await approveShownQr(desktopApp!.app, phone);
    await page.getByRole('region', { name: 'Sync progress' }).getByText('Up to date').waitFor({ timeout: 30_000 });
    await chatList()
      .getByRole('button', { name: /^Chat 0(,|$)/ })
      .click();
    const log = page.getByRole('log', { name: 'Messages' });
    await log.getByText('Sent while the desktop was away', { exact: true }).waitFor({ timeout: 15_000 });
    await log.getByText('message 0 of chat 0', { exact: true }).waitFor();
    await chatList()
      .getByRole('button', { name: /^Chat 1(,|$)/ })
      .waitFor();
    expect(desktopApp!.app.linked().core.storeClaim).toBe('same');
    expect(desktopApp!.app.snapshot().sessionEnd).toBeUndefined();
    expect(problems).toEqual([]);
  }, 180_000);

  it('"Sign out and erase" deletes the kept history: the screen becomes a first link', async () => {
    const { dir } = await expiredApp('eraseapp');
    await why().getByRole('button', { name: 'Sign out and erase this desktop’s history' }).click();
    await until(() => !DesktopCore.holdsKeptStore(dir), 10_000, 'the kept store erased');
    // The store is erased before the renderer hears of it: wait for the notice to go.
    await why().waitFor({ state: 'detached', timeout: 10_000 });
    await page.getByRole('img', { name: 'Pairing QR code' }).waitFor({ timeout: 15_000 });
    expect(desktopApp!.app.snapshot()).toMatchObject({ screen: 'pairing' });
    expect(desktopApp!.app.snapshot().keptHistory).toBeUndefined();
    expect(problems).toEqual([]);
  }, 180_000);
});
