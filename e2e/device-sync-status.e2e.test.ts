import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { DeviceSyncStatus } from '../common/contract';
import { initCrypto } from '../common/crypto';
import type { DesktopCore } from '../desktop/src/core/desktop-core';
import { sendText } from '../mobile-pairing/src/core/chats';
import { approvePairing, lookupPairing, parsePairingInput } from '../mobile-pairing/src/core/pairing';
import { linkDesktopDirectly } from '../server/test/support/desktop-fixture';
import { signUpPhone } from '../server/test/support/phone';
import { openSse } from '../server/test/support/sse-client';
import { bearer, readUntil } from '../server/test/support/sync-stream';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { ensurePhoneBuild } from './support/build-phone';
import { openDesktop, pairDesktop, until, untilProgress } from './support/desktop';
import { ensureDesktopBuild, type RunningDesktopApp, startDesktopApp } from './support/desktop-app';
import { launchChromium, newPhone, type PhoneBrowser } from './support/phone-web';
import { type SeededChat, seedChats } from './support/seed';

/**
 * Sync status per device, end to end: real desktop cores acknowledge what they applied (coalesced, every
 * couple of seconds), the server's device list says how far each one is, and the phone's Devices screen
 * and the desktop app's Settings (real Chromium) show the same figures — up to date, N changes behind,
 * first sync x % — moving as a desktop falls behind and catches up.
 */
describe('sync status per device', () => {
  let server: TestServer;
  let chromium: PhoneBrowser;
  let phone: Awaited<ReturnType<typeof signUpPhone>>;
  let chats: SeededChat[];
  let core: DesktopCore | null = null;
  let desktopApp: RunningDesktopApp | null = null;
  const dirs: string[] = [];

  const statusOf = async (deviceId: string): Promise<DeviceSyncStatus | null | undefined> =>
    (await phone.api.call('listDevices', {})).devices.find((d) => d.deviceId === deviceId)?.syncStatus;
  const send = (text: string) => sendText(phone.api, phone.session, chats[0]!.chatId, chats[0]!.key, text);
  const tempDir = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'symc-sync-status-'));
    dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    ensurePhoneBuild();
    ensureDesktopBuild();
    await initCrypto();
    // Batches of 20: a first sync has a figure worth showing after its first batch.
    server = await startTestServer({ SYNC_BATCH_MESSAGES: '20' });
    phone = await signUpPhone(server, 'syncstatus');
    chats = await seedChats(server, phone.session, { chats: 4, messagesPerChat: () => 30 });
    chromium = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await chromium?.close();
    await desktopApp?.stop();
    await core?.stop();
    await server?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('a desktop core acknowledges what it applied: up to date, N behind while stopped, up to date again', async () => {
    const dir = tempDir();
    core = await openDesktop(dir, await pairDesktop(server.url, phone, dir));
    const deviceId = core.session.deviceId;
    await core.start();
    await untilProgress(core, (p) => p.primed);
    await until(async () => (await statusOf(deviceId))?.state === 'up_to_date', 15_000, 'up to date on the list');
    expect((await core.ownSyncStatus()).status).toMatchObject({ state: 'up_to_date' });

    // Stopped, it applies nothing: the three messages the phone writes meanwhile are three changes behind.
    await core.engine.stop();
    for (const text of ['one', 'two', 'three']) await send(text);
    expect(await statusOf(deviceId)).toMatchObject({ state: 'behind', changesBehind: 3 });

    // Started again, it applies them and says so.
    core.engine.start();
    await until(async () => (await statusOf(deviceId))?.state === 'up_to_date', 15_000, 'caught up on the list');
    expect(core.store.getState('last_event_id')).toBe(String((await core.ownSyncStatus()).latestSeq));
  }, 120_000);

  it('a desktop whose position is older than the change log gets a fresh plan: nothing lost', async () => {
    const dir = tempDir();
    const old = await openDesktop(dir, await pairDesktop(server.url, phone, dir));
    try {
      await old.start();
      await untilProgress(old, (p) => p.primed);
      await old.engine.stop();
      const stoppedAt = Number(old.store.getState('last_event_id'));
      for (const text of ['while away 1', 'while away 2']) await send(text);
      // The changes after its position are 100 days old now; the prune drops them.
      const { db } = server.server.deps;
      await db.changeLog.updateMany({
        where: { userId: phone.session.userId, seq: { lte: stoppedAt + 1 } },
        data: { createdAt: new Date(Date.now() - 100 * 86_400_000) },
      });
      expect(await server.server.logRetention.prune()).toBeGreaterThan(0);
      expect(await statusOf(old.session.deviceId)).toMatchObject({ state: 'log_expired' });

      const seen: string[] = [];
      old.engine.onEvents((run) => {
        for (const e of run) seen.push(e.name === 'connected' ? `connected:${e.payload.mode}` : e.name);
      });
      old.engine.start();
      await until(() => seen.includes('cache_primed'), 30_000, 'the fresh plan primed');
      expect(seen[0]).toBe('connected:fresh');
      expect(seen).toContain('sync:initial');
      const stored = old.store.listMessages(chats[0]!.chatId, 500).map((m) => m.id);
      const onServer = await phone.api.call('listMessages', {
        params: { chatId: chats[0]!.chatId },
        query: { limit: 100 },
      });
      expect(new Set(stored)).toEqual(new Set(onServer.messages.map((m) => m.messageId)));
      await until(async () => (await statusOf(old.session.deviceId))?.state === 'up_to_date', 15_000, 'up to date');
    } finally {
      await old.stop();
      await phone.api.call('revokeDevice', { params: { deviceId: old.session.deviceId } });
    }
  }, 120_000);

  it('the phone’s Devices screen and the desktop’s Settings show every device’s figures (Chromium)', async () => {
    // The desktop core of the first test, up to date, stops: it falls behind from here on.
    await until(async () => (await statusOf(core!.session.deviceId))?.state === 'up_to_date', 15_000, 'core');
    await core!.engine.stop();
    const behindId = core!.session.deviceId;

    // A desktop in the middle of its first sync: it applied the first batch of its plan, and acknowledged it.
    const midway = await linkDesktopDirectly(server, phone.session.userId);
    const stream = await openSse(server.url, '', bearer(midway.accessToken));
    const firstBatch = (await readUntil(stream, 'message:sync')).pop()!;
    stream.close();
    const acked = await midway.api.call('ackSync', { body: { position: firstBatch.id! } });
    expect(acked.status).toMatchObject({ state: 'first_sync' });

    // The desktop app, linked through its QR, synced and live.
    desktopApp = await startDesktopApp(server.url, tempDir());
    const app = desktopApp.app;
    const desktopPage = await chromium.browser.newPage({ viewport: { width: 1100, height: 800 }, locale: 'en-GB' });
    const problems: string[] = [];
    desktopPage.on('pageerror', (e) => problems.push(e.message));
    await desktopPage.goto(desktopApp.host.url);
    await until(() => app.snapshot().pairing.kind === 'showing', 15_000, 'a QR on screen');
    const shown = app.snapshot().pairing;
    if (shown.kind !== 'showing') throw new Error('no QR');
    await approvePairing(phone.api, phone.session, await lookupPairing(phone.api, parsePairingInput(shown.link)));
    await desktopPage
      .getByRole('region', { name: 'Sync progress' })
      .getByText('Up to date')
      .waitFor({ timeout: 30_000 });

    // The phone web app signed in (its own sign-in is a change the stopped desktop lacks too).
    const { page: phonePage, problems: phoneProblems } = await newPhone(chromium.browser);
    await phonePage.goto(`${server.url}/phone/`);
    await phonePage.getByRole('button', { name: 'Sign in' }).first().click();
    await phonePage.getByLabel('Username').fill(phone.session.username);
    await phonePage.getByLabel('Password', { exact: true }).fill(phone.password);
    await phonePage.getByRole('button', { name: 'Sign in' }).last().click();
    await phonePage.getByRole('navigation', { name: 'Main' }).waitFor();

    // Two more messages; the app applies them live and acknowledges; the stopped core does not.
    await send('four');
    await send('five');
    const appId = app.snapshot().account!.deviceId;
    await until(async () => (await statusOf(appId))?.state === 'up_to_date', 15_000, 'the app up to date');
    const behind = await statusOf(behindId);
    expect(behind).toMatchObject({ state: 'behind' });
    const changesBehind = behind?.state === 'behind' ? behind.changesBehind : 0;
    expect(changesBehind).toBeGreaterThanOrEqual(2);
    // The share of the plan's messages (by the chats' message counts now: the new messages count too).
    const midwayStatus = await statusOf(midway.deviceId);
    const percent = midwayStatus?.state === 'first_sync' ? midwayStatus.percent : -1;
    expect(percent).toBeGreaterThan(0);
    expect(percent).toBeLessThan(100);

    // The desktop's Settings: a line under every desktop of the account.
    await desktopPage.getByRole('button', { name: 'Settings' }).click();
    const settings = desktopPage.getByRole('dialog', { name: 'Settings' });
    const desktopRow = (name: string | RegExp) => settings.getByRole('listitem').filter({ hasText: name });
    await desktopRow('This desktop')
      .getByTestId('device-sync-status')
      .getByText(/^Up to date · synced/)
      .waitFor();
    await desktopRow('Test desktop')
      .getByTestId('device-sync-status')
      .getByText(new RegExp(`^${changesBehind} changes behind · synced`))
      .waitFor();
    const rowsOf = async (page: Page, testId: string) =>
      (await page.getByTestId(testId).allTextContents()).map((t) => t.replace(/ · synced.*$/, ''));
    expect((await rowsOf(desktopPage, 'device-sync-status')).sort()).toEqual(
      ['Up to date', `${changesBehind} changes behind`, `First sync ${percent} %`].sort(),
    );
    await desktopPage.screenshot({
      path: path.resolve(__dirname, '../test-artifacts/desktop/settings-sync-status.png'),
    });

    // The phone's Devices screen: the same figures; the phone itself has none (it keeps no store).
    await phonePage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices' }).click();
    const phoneRow = (name: string) => phonePage.getByTestId('device-row').filter({ hasText: name });
    await phoneRow('E2E desktop')
      .getByTestId('device-sync-status')
      .getByText(/^Up to date · synced/)
      .waitFor();
    await phoneRow('Test desktop')
      .getByTestId('device-sync-status')
      .getByText(new RegExp(`^${changesBehind} changes behind · synced`))
      .waitFor();
    expect((await rowsOf(phonePage, 'device-sync-status')).sort()).toEqual(
      ['Up to date', `${changesBehind} changes behind`, `First sync ${percent} %`].sort(),
    );
    await expect(phoneRow('This phone').getByTestId('device-sync-status').count()).resolves.toBe(0);

    // The stopped desktop starts again and catches up: both screens say so once they look again.
    core!.engine.start();
    await until(async () => (await statusOf(behindId))?.state === 'up_to_date', 15_000, 'the core caught up');
    await phonePage.reload();
    await phonePage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices' }).click();
    await phoneRow('Test desktop')
      .getByTestId('device-sync-status')
      .getByText(/^Up to date/)
      .waitFor();
    await settings.getByRole('button', { name: 'Close settings' }).click();
    await desktopPage.getByRole('button', { name: 'Settings' }).click();
    await desktopRow('Test desktop')
      .getByTestId('device-sync-status')
      .getByText(/^Up to date/)
      .waitFor();
    expect(problems).toEqual([]);
    expect(phoneProblems).toEqual([]);
  }, 240_000);
});
