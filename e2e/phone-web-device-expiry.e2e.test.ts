import type { Page } from 'playwright-core';
import { initCrypto } from '../common/crypto';
import { linkDesktopDirectly } from '../server/test/support/desktop-fixture';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { ensurePhoneBuild } from './support/build-phone';
import { launchChromium, newPhone, type PhoneBrowser } from './support/phone-web';

const DAY = 86_400_000;

/**
 * The phone web app's Devices screen (real Chromium) says when each other device is unlinked if it stays
 * unused, and the server's inactivity sweep (a fake clock moved three weeks on) takes it off the list live.
 */
describe('the Devices screen shows inactivity expiry', () => {
  let server: TestServer;
  let chromium: PhoneBrowser;
  let page: Page;
  let problems: string[];
  let now = Date.now();

  beforeAll(async () => {
    ensurePhoneBuild();
    await initCrypto();
    server = await startTestServer({ DEVICE_INACTIVITY_DAYS: '30' }, {}, { clock: () => new Date(now) });
    chromium = await launchChromium();
    ({ page, problems } = await newPhone(chromium.browser));
  }, 180_000);
  afterAll(async () => {
    await chromium?.close();
    await server?.stop();
  });

  it('"Unlinked on <date> if not used before" under the desktop; gone once the sweep unlinks it', async () => {
    const me = await signUpPhone(server, 'expiryview');
    const desktop = await linkDesktopDirectly(server, me.session.userId);
    const lastSeen = new Date(Date.now() - 10 * DAY);
    await server.server.deps.db.device.update({ where: { id: desktop.deviceId }, data: { lastSeenAt: lastSeen } });

    await page.goto(`${server.url}/phone/`);
    await page.getByRole('button', { name: 'Sign in' }).first().click();
    await page.getByLabel('Username').fill(me.session.username);
    await page.getByLabel('Password', { exact: true }).fill(me.password);
    await page.getByRole('button', { name: 'Sign in' }).last().click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices' }).click();

    const expected = new Date(lastSeen.getTime() + 30 * DAY).toLocaleDateString('en-GB', {
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      timeZone: 'Europe/London',
    });
    const row = page.getByTestId('device-row').filter({ hasText: 'Test desktop' });
    await row.getByTestId('device-expiry').getByText(`Unlinked on ${expected} if not used before`).waitFor();
    // The phone in hand has no such line (it is in use right now).
    await expect(
      page.getByTestId('device-row').filter({ hasText: 'This phone' }).getByTestId('device-expiry').count(),
    ).resolves.toBe(0);

    // Three weeks later the desktop is 31 days unseen; the phones were seen "now" (as the clock sees them,
    // the web app's stream keeps its own device in use).
    now = Date.now() + 21 * DAY;
    expect(await server.server.inactivity.sweep()).toEqual([desktop.deviceId]);
    await row.waitFor({ state: 'detached', timeout: 10_000 });
    expect(problems).toEqual([]);
  }, 120_000);
});
