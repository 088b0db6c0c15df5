import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { initCrypto } from '../common/crypto';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import {
  approveShownQr,
  ensureDesktopBuild,
  expireDeviceSessions,
  type RunningDesktopApp,
  startDesktopApp,
} from './support/desktop-app';
import { openDesktopPage, stopInOrder } from './support/app-in-chromium';
import type { PhoneBrowser } from './support/phone-web';

/**
 * The desktop app's renderer (real Chromium over the headless host) shows which state it is in: offline
 * ("reconnecting", still linked), or — after 30 days without use — signed out, with the reason and a QR
 * to link again right there; the reason survives a restart and goes once the desktop is linked again.
 */
describe('the desktop app shows a dead session apart from being offline', () => {
  let server: TestServer;
  let chromium: PhoneBrowser;
  let page: Page;
  let desktopApp: RunningDesktopApp | null = null;
  let dir: string;
  let problems: string[];

  beforeAll(async () => {
    ensureDesktopBuild();
    await initCrypto();
    server = await startTestServer({ SSE_HEARTBEAT_SECONDS: '1' });
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-session-app-'));
    ({ chromium, page, problems } = await openDesktopPage(
      { viewport: { width: 1100, height: 760 }, locale: 'en-GB' },
      { ignoreConsole: /Failed to load resource/ },
    ));
  }, 240_000);

  afterAll(() => stopInOrder([chromium, desktopApp, server], [dir]));

  it('offline, then expired after 30 days without use (across a restart), then linked again', async () => {
    const phone = await signUpPhone(server, 'sessionapp');
    desktopApp = await startDesktopApp(server.url, dir);
    await page.goto(desktopApp.host.url);
    await page.getByRole('img', { name: 'Pairing QR code' }).waitFor({ timeout: 15_000 });
    await expect(page.getByRole('status', { name: 'Why this desktop was signed out' }).count()).resolves.toBe(0);
    await approveShownQr(desktopApp.app, phone);
    const progress = page.getByRole('region', { name: 'Sync progress' });
    await progress.getByText('Up to date').waitFor({ timeout: 30_000 });

    // Offline: the server is away. Still linked, still the main screen, "reconnecting".
    const { port } = server.server;
    const dataDir = server.dataDir;
    await server.stop({ keepData: true });
    await progress.getByText('Offline — reconnecting').waitFor({ timeout: 15_000 });
    await expect(page.getByRole('heading', { name: 'Link this desktop' }).count()).resolves.toBe(0);
    server = await startTestServer({ SSE_HEARTBEAT_SECONDS: '1' }, { dataDir, port });
    await progress.getByText('Up to date').waitFor({ timeout: 15_000 });

    // The desktop is closed; 30 days pass (the server's clock, as its session rows see it).
    const deviceId = desktopApp.app.snapshot().account!.deviceId;
    await desktopApp.stop();
    desktopApp = null;
    await expireDeviceSessions(server, deviceId);

    // Next start: the app says what happened and shows the QR to link again, right there.
    desktopApp = await startDesktopApp(server.url, dir);
    await page.goto(desktopApp.host.url);
    const why = page.getByRole('status', { name: 'Why this desktop was signed out' });
    await why.getByRole('heading', { name: 'Signed out after 30 days without use' }).waitFor({ timeout: 20_000 });
    await why.getByText('This desktop was signed out after 30 days without use').waitFor();
    await page.getByRole('img', { name: 'Pairing QR code' }).waitFor({ timeout: 15_000 });
    await page.screenshot({ path: path.resolve(__dirname, '../test-artifacts/desktop/session-expired.png') });

    // A restart on the pairing screen still explains it (the note outlives the wiped store and keys).
    await desktopApp.stop();
    desktopApp = await startDesktopApp(server.url, dir);
    await page.goto(desktopApp.host.url);
    await why.getByRole('heading', { name: 'Signed out after 30 days without use' }).waitFor({ timeout: 15_000 });

    // Linked again from that QR: the main screen, and the explanation is gone for good.
    await approveShownQr(desktopApp.app, phone);
    await progress.getByText('Up to date').waitFor({ timeout: 30_000 });
    await desktopApp.stop();
    desktopApp = await startDesktopApp(server.url, dir);
    expect(desktopApp.app.snapshot()).toMatchObject({ screen: 'main' });
    expect(desktopApp.app.snapshot().sessionEnd).toBeUndefined();
    expect(problems).toEqual([]);
  }, 180_000);
});
