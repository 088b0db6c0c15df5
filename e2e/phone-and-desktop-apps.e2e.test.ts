import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jsQR from 'jsqr';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { initCrypto } from '../common/crypto';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { ensurePhoneBuild } from './support/build-phone';
import { ensureDesktopBuild, type RunningDesktopApp, startDesktopApp } from './support/desktop-app';
import { launchChromium, newPhone, type PhoneBrowser } from './support/phone-web';

/**
 * The whole product as its two users see it, both UIs in real Chromium: the phone web app (phone-sized)
 * and the desktop app (its renderer over the headless host, the same app service Electron hosts). Nothing
 * in between is driven through an API: the phone reads the desktop's QR from the desktop's screen.
 */
describe('the phone web app links the desktop app, and the two talk', () => {
  let server: TestServer;
  let chromium: PhoneBrowser;
  let phone: Page;
  let desktop: Page;
  let desktopApp: RunningDesktopApp;
  let dir: string;
  const problems: string[] = [];
  const user = { username: `duo${process.pid}`.slice(0, 32), password: 'correct horse battery' };

  beforeAll(async () => {
    ensurePhoneBuild();
    ensureDesktopBuild();
    await initCrypto();
    server = await startTestServer();
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-duo-'));
    desktopApp = await startDesktopApp(server.url, dir);
    chromium = await launchChromium();
    const phoneSide = await newPhone(chromium.browser);
    phone = phoneSide.page;
    const desktopContext = await chromium.browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale: 'en-GB',
      timezoneId: 'Europe/London',
    });
    desktop = await desktopContext.newPage();
    desktop.on('console', (m) => {
      if (m.type() === 'error') problems.push(`desktop: ${m.text()}`);
    });
    desktop.on('pageerror', (e) => problems.push(`desktop: ${e.message}`));
    // The phone's own problem list (CSP violations, uncaught errors) is checked at the end too.
    problems.push(...phoneSide.problems.splice(0));
    phone.on('pageerror', (e) => problems.push(`phone: ${e.message}`));
  }, 240_000);

  afterAll(async () => {
    await chromium?.close();
    await desktopApp?.stop();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sign up on the phone, link the desktop by one scan of its QR, chat both ways, unlink', async () => {
    // The phone: a new account (keys made in the browser), a chat with a friend, a first message.
    const friend = await signUpPhone(server, 'duofriend');
    await phone.goto(`${server.url}/phone/`);
    await phone.getByLabel('Username').fill(user.username);
    await phone.getByLabel('Password', { exact: true }).fill(user.password);
    await phone.getByLabel('Repeat password').fill(user.password);
    await phone.getByRole('button', { name: 'Create account' }).last().click();
    await phone.getByRole('heading', { name: 'No chats yet' }).waitFor();
    await phone.getByRole('link', { name: 'New chat' }).click();
    await phone.getByLabel('Usernames').fill(friend.session.username);
    await phone.getByLabel(/Chat title/).fill('Camping trip');
    await phone.getByRole('button', { name: 'Start chat' }).click();
    await phone.getByRole('heading', { name: 'Camping trip' }).waitFor();
    const phoneComposer = phone.getByRole('textbox', { name: 'Message' });
    await phoneComposer.fill('Who is bringing the map?');
    await phoneComposer.press('Enter');
    await phone.getByRole('log').getByText('Who is bringing the map?').waitFor();

    // The desktop shows its QR; the "camera" is a screenshot of the desktop's screen, decoded.
    await desktop.goto(desktopApp.host.url);
    const qr = desktop.getByRole('img', { name: 'Pairing QR code' });
    await qr.waitFor();
    const png = PNG.sync.read(await qr.screenshot());
    const link = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
    expect(link).toMatch(/^symc:\/\/pair\?v=2&/);

    // The phone: paste what the camera read, see who is asking, approve (the scan proves the screen).
    await phone.getByRole('link', { name: 'Back' }).click();
    await phone.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Link desktop' }).click();
    await phone.getByRole('textbox', { name: 'Pairing link or code' }).fill(link!);
    await phone.getByRole('button', { name: 'Continue' }).click();
    await expect(phone.getByTestId('pairing-device-name').textContent()).resolves.toBe('E2E desktop');
    await phone.getByRole('button', { name: 'Approve' }).click();
    await phone.getByRole('heading', { name: '“E2E desktop” is linked' }).waitFor();

    // The desktop syncs and shows the chat, decrypted with the key the phone sealed to it.
    await desktop.getByRole('region', { name: 'Sync progress' }).getByText('Up to date').waitFor({ timeout: 30_000 });
    await desktop
      .getByRole('list', { name: 'Chats' })
      .getByRole('button', { name: /^Camping trip/ })
      .click();
    const desktopLog = desktop.getByRole('log', { name: 'Messages' });
    await desktopLog.getByText('Who is bringing the map?').waitFor();

    // Desktop → phone: typed on the desktop, shown in the phone's open conversation (its polling).
    const desktopComposer = desktop.getByRole('textbox', { name: 'Message' });
    await desktopComposer.fill('I have it, and the compass too');
    await desktopComposer.press('Enter');
    await phone.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chats' }).click();
    await phone.getByRole('list', { name: 'Chats' }).getByText('Camping trip').click();
    await phone.getByRole('log').getByText('I have it, and the compass too').waitFor({ timeout: 15_000 });

    // Phone → desktop, live over the desktop's sync stream.
    await phoneComposer.fill('Perfect, see you Friday');
    await phoneComposer.press('Enter');
    await desktopLog.getByText('Perfect, see you Friday').waitFor({ timeout: 15_000 });

    // The phone unlinks the desktop: the desktop is told, wipes itself and is back at its QR code.
    await phone.getByRole('link', { name: 'Back' }).click();
    await phone.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices' }).click();
    await phone.getByRole('button', { name: 'Unlink E2E desktop' }).click();
    await phone.getByRole('dialog').getByRole('button', { name: 'Unlink' }).click();
    await desktop.getByRole('heading', { name: 'Link this desktop' }).waitFor({ timeout: 15_000 });
    await desktop
      .getByRole('status')
      .getByText('This desktop was unlinked from your phone. Its local data was deleted.')
      .waitFor();
    await desktop.screenshot({ path: path.resolve(__dirname, '../test-artifacts/desktop/unlinked.png') });
    await expect(desktop.getByText('Perfect, see you Friday').count()).resolves.toBe(0);
    expect(problems).toEqual([]);
  }, 120_000);
});
