import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jsQR from 'jsqr';
import type { Page, Request } from 'playwright-core';
import { PNG } from 'pngjs';
import { decryptDraft, decryptUserSettings, encryptChatMeta, encryptUserSettings } from '../common/content';
import { initCrypto } from '../common/crypto';
import { DesktopCore } from '../desktop/src/core/desktop-core';
import { readMessage, sendText } from '../mobile-pairing/src/core/chats';
import {
  approvePairing,
  listLinkedDevices,
  lookupPairing,
  parsePairingInput,
} from '../mobile-pairing/src/core/pairing';
import { updateChatMeta } from '../server/src/modules/chats/chats.use-cases';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { until } from './support/desktop';
import { ensureDesktopBuild, type RunningDesktopApp, startDesktopApp } from './support/desktop-app';
import { openDesktopPage, stopInOrder } from './support/app-in-chromium';
import type { PhoneBrowser } from './support/phone-web';
import { PolicyUpdates } from './support/policy-updates';
import { markOpened, type SeededChat, seedChats } from './support/seed';

const ARTIFACTS = path.resolve(__dirname, '../test-artifacts/desktop');
const SCREENSHOTS = path.resolve(__dirname, '../docs/screenshots');
/** `npm run docs:screenshots` sets this: only then does the run replace the README's committed pictures. */
const UPDATE_DOCS = process.env.SYMC_UPDATE_SCREENSHOTS === '1';

async function shot(page: Page, name: string): Promise<void> {
  const buffer = await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
  if (UPDATE_DOCS) writeFileSync(path.join(SCREENSHOTS, `desktop-${name}.png`), buffer);
}

/** Reads a QR code from a PNG screenshot, as a camera pointed at the screen would. */
function decodeQr(png: Buffer): string | null {
  const image = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data ?? null;
}

const CHATS = 14;
const OPENED = 2; // the last opened chat: long, so the list must window it
const LONG = 300;
const SEARCHED = 4; // its message 1 holds a word nowhere else
/** Realistic names and lines: the screenshots of this run are the README's. */
const TITLES = [
  'Book club',
  'Flat 3B',
  'Road trip to Porto',
  'Design reviews',
  'Q3 planning',
  'Climbing Thursdays',
  'Mum & Dad',
  'Release train',
  'Pub quiz team',
  'Garden allotment',
  'Birthday surprise',
  'Weekend plans',
  'Lisbon offsite',
  'Alex',
];
const LINES = [
  'Are we still on for tonight?',
  'Yes! I will bring snacks.',
  'Running ten minutes late, sorry',
  'No worries, we saved you a seat',
  'Did anyone book the tickets yet?',
  'Booked — sent them to everyone',
  'Can you share the notes from today?',
  'Here they are, let me know if anything is missing',
];
const LAST_OF_LONG = 'See you at the station at nine.';
const messagesPerChat = (i: number) => (i === OPENED ? LONG : 3);
const textOf = (c: number, i: number) =>
  c === SEARCHED && i === 1
    ? 'The pelican report is finally ready'
    : c === OPENED && i === LONG - 1
      ? LAST_OF_LONG
      : LINES[(c + i) % LINES.length]!;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const chatButton = (page: Page, index: number) =>
  page
    .getByRole('list', { name: 'Chats' })
    .getByRole('button', { name: new RegExp(`^${escape(TITLES[index]!)}(,|$)`) });
const chatHeading = (page: Page, index: number) =>
  page.getByRole('heading', { level: 2, name: TITLES[index]!, exact: true });

describe('the desktop app (headless host + the real renderer in Chromium) against the real server and core', () => {
  let server: TestServer;
  let chromium: PhoneBrowser;
  let page: Page;
  let desktop: RunningDesktopApp;
  let dir: string;
  let phone: Awaited<ReturnType<typeof signUpPhone>>;
  let friend: Awaited<ReturnType<typeof signUpPhone>>;
  let chats: SeededChat[];
  let problems: string[];
  const updates = new PolicyUpdates();

  beforeAll(async () => {
    ensureDesktopBuild();
    mkdirSync(ARTIFACTS, { recursive: true });
    await initCrypto();
    server = await startTestServer({ SYNC_BATCH_MESSAGES: '40' });
    phone = await signUpPhone(server, 'dapp');
    friend = await signUpPhone(server, 'dfriend');
    chats = await seedChats(server, phone.session, { chats: CHATS, messagesPerChat, friend: friend.session, textOf });
    // The phone renames the seeded chats: a new encrypted title, through the server's own use-case (in
    // process, like the seeding: an HTTP client idle for the seconds seeding takes may hit a closed keep-alive).
    const phoneAuth = {
      userId: phone.session.userId,
      deviceId: phone.session.deviceId,
      deviceKind: 'phone' as const,
      sessionId: 'seed',
    };
    for (const [index, chat] of chats.entries()) {
      const encryptedMeta = encryptChatMeta(chat.key, chat.chatId, { title: TITLES[index]! });
      await updateChatMeta(server.server.deps, phoneAuth, chat.chatId, { encryptedMeta, metaVersion: 2 });
    }
    await markOpened(server, phone.session, chats[OPENED]!.chatId);

    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-desktop-app-'));
    desktop = await startDesktopApp(server.url, dir, updates);
    ({ chromium, page, problems } = await openDesktopPage({
      viewport: { width: 1280, height: 800 },
      deviceScaleFactor: 1,
      locale: 'en-GB',
      timezoneId: 'Europe/London',
      colorScheme: 'light',
    }));
  }, 240_000);

  afterAll(() => stopInOrder([chromium, desktop, server], [dir]));

  it('builds the Electron bundles: main where package.json points, a preload that requires nothing but electron', () => {
    const root = path.resolve(__dirname, '..');
    const main = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).main as string;
    expect(existsSync(path.join(root, main))).toBe(true);
    // A sandboxed preload can require only 'electron' (and a few built-ins): everything else is bundled in.
    const preload = readFileSync(path.join(root, 'desktop/dist/preload/preload.js'), 'utf8');
    expect([...preload.matchAll(/require\((["'])([^"']+)\1\)/g)].map((m) => m[2])).toEqual(['electron']);
    expect(preload).toContain('exposeInMainWorld');
  });

  it('links by QR (decoded from a screenshot), syncs every phase, opens the last opened chat by itself', async () => {
    await page.goto(desktop.host.url);
    await page.getByRole('heading', { name: 'Link this desktop' }).waitFor();
    const qr = page.getByRole('img', { name: 'Pairing QR code' });
    await qr.waitFor();
    const link = await page.getByLabel('Pairing link').inputValue();
    const checkCode = (await page.getByLabel('Check code').textContent())!.trim();
    const pairingCode = (await page.getByLabel('Pairing code').textContent())!.trim();
    expect(link).toMatch(/^symc:\/\/pair\?v=2&/);
    expect(checkCode).toMatch(/^\d{3} \d{3}$/);
    expect(pairingCode).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    await shot(page, 'pairing');

    // Without a camera, a mistyped check code: the desktop can't open the keys, says so, and shows a new
    // QR with new codes.
    const typed = await lookupPairing(phone.api, parsePairingInput(pairingCode));
    await approvePairing(phone.api, phone.session, typed, checkCode === '000 000' ? '000 001' : '000 000');
    await page.getByRole('alert').filter({ hasText: 'The code didn’t match' }).waitFor();
    await expect(page.getByLabel('Pairing link').inputValue()).resolves.not.toBe(link);
    await shot(page, 'pairing-code-mismatch');

    // The phone's camera: the QR as rendered on screen must decode to exactly the pairing link.
    const decoded = decodeQr(await qr.screenshot());
    expect(decoded).toBe(await page.getByLabel('Pairing link').inputValue());

    // The phone approves through the API: one scan, nothing typed.
    const pending = await lookupPairing(phone.api, parsePairingInput(decoded!));
    await approvePairing(phone.api, phone.session, pending);

    // Linked: the main screen, and the last opened chat (phase 1) opens without a click.
    await page.getByRole('navigation', { name: 'Chats' }).waitFor({ timeout: 30_000 });
    await chatHeading(page, OPENED).waitFor({ timeout: 30_000 });
    const log = page.getByRole('log', { name: 'Messages' });
    await log.getByText(LAST_OF_LONG, { exact: true }).waitFor();

    // Every phase completes; the bars say so.
    await page.getByRole('region', { name: 'Sync progress' }).getByText('Up to date').waitFor({ timeout: 30_000 });
    await page.getByText('Sync details').click();
    for (const phase of [1, 2, 3]) {
      const bar = page.getByRole('progressbar', { name: new RegExp(`^Phase ${phase}:`) });
      expect(await bar.getAttribute('aria-valuetext')).toBe('done');
      expect(await bar.getAttribute('aria-valuenow')).toBe(await bar.getAttribute('aria-valuemax'));
    }
    await page.getByText('Sync details').click();

    // Long chats are windowed: far fewer rows in the DOM than messages in the chat.
    const rendered = await log.getByRole('article').count();
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(LONG / 2);

    // Every chat is listed with its decrypted title.
    await expect(page.getByRole('list', { name: 'Chats' }).getByRole('listitem').count()).resolves.toBe(CHATS);
  }, 90_000);

  it('opens another chat, sends a message that arrives on the phone, and shows a live reply', async () => {
    const target = CHATS - 3;
    await chatButton(page, target).click();
    await chatHeading(page, target).waitFor();
    const log = page.getByRole('log', { name: 'Messages' });
    await log.getByText(textOf(target, 2), { exact: true }).waitFor();

    const composer = page.getByRole('textbox', { name: 'Message' });
    await composer.fill('Hello from the desktop app');
    await composer.press('Enter');
    await log.getByText('Hello from the desktop app').waitFor();
    await expect(composer.inputValue()).resolves.toBe('');

    // The phone side sees it, decrypted with the chat key only the members hold.
    const chat = chats[target]!;
    const { messages } = await phone.api.call('listMessages', { params: { chatId: chat.chatId }, query: {} });
    expect(messages.map((m) => readMessage(m, chat.key).text)).toContain('Hello from the desktop app');
    expect(server.logs.join('\n')).not.toContain('Hello from the desktop app');

    // A reply from the friend arrives live in the open chat. The renderer patches the open chat and the
    // list's entry from the events' payloads: it reads neither the list nor the chat again (the calls it
    // makes go through the bridge as POST …/ipc/<channel>, counted here).
    const calls: string[] = [];
    const countCall = (request: Request) => {
      const channel = /\/ipc\/(\w+)$/.exec(new URL(request.url()).pathname)?.[1];
      if (channel) calls.push(channel);
    };
    page.on('request', countCall);
    await sendText(friend.api, friend.session, chat.chatId, chat.key, 'Got it, thanks!', 'Friend');
    await log.getByText('Got it, thanks!').waitFor({ timeout: 15_000 });
    await chatButton(page, target).filter({ hasText: 'Got it, thanks!' }).waitFor();
    page.off('request', countCall);
    expect(calls.filter((channel) => channel === 'listChats' || channel === 'openChat')).toEqual([]);
    // Sent ticks: the desktop's own message shows at least "Sent".
    await expect(log.getByRole('img', { name: /^(Sent|Delivered|Read)$/ }).count()).resolves.toBeGreaterThan(0);
    await shot(page, 'chat');
  }, 60_000);

  it('searches messages, titles and drafts with highlighted results, and opens a result', async () => {
    // A draft: typed, not sent. The chat list marks it.
    const drafted = CHATS - 4;
    await chatButton(page, drafted).click();
    await chatHeading(page, drafted).waitFor();
    await page.getByRole('textbox', { name: 'Message' }).fill('unsent thoughts about giraffes');
    await page
      .getByRole('list', { name: 'Chats' })
      .getByRole('button', { name: new RegExp(`^${escape(TITLES[drafted]!)},.*draft`) })
      .waitFor();

    // The composer's draft goes through the core's draft service: saved encrypted and synced to the phone.
    const draftChat = chats[drafted]!.chatId;
    await until(
      async () => {
        const draft = await phone.api.call('getDraft', { params: { chatId: draftChat } }).catch(() => null);
        return draft?.ciphertext
          ? decryptDraft(phone.session.masterKey, phone.session.userId, draftChat, draft.ciphertext).text ===
              'unsent thoughts about giraffes'
          : false;
      },
      15_000,
      'the draft to reach the phone',
    );

    const search = page.getByRole('searchbox', { name: 'Search chats, messages and drafts' });
    await search.fill('giraffes');
    const results = page.getByRole('region', { name: 'Search results' });
    await results.getByRole('button', { name: /Draft/ }).waitFor();

    await search.fill('pelican');
    const hit = results.getByRole('button', { name: new RegExp(escape(TITLES[SEARCHED]!)) });
    await hit.waitFor();
    await expect(hit.locator('mark').first().textContent()).resolves.toBe('pelican');
    await shot(page, 'search');

    await hit.click();
    await chatHeading(page, SEARCHED).waitFor();
    await page.getByRole('log', { name: 'Messages' }).getByText('The pelican report is finally ready').waitFor();
    await expect(search.inputValue()).resolves.toBe('');

    // Reopening the drafted chat restores its draft in the composer.
    await chatButton(page, drafted).click();
    await chatHeading(page, drafted).waitFor();
    await until(
      async () =>
        (await page.getByRole('textbox', { name: 'Message' }).inputValue()) === 'unsent thoughts about giraffes',
      10_000,
      'the restored draft',
    );
  }, 60_000);

  it('pins a chat: it moves to the top, says so, and the pin reaches the phone', async () => {
    const target = 0; // the oldest chat, at the bottom of the list
    await chatButton(page, target).click();
    await chatHeading(page, target).waitFor();
    await page.getByRole('button', { name: 'Pin chat' }).click();
    await page.getByRole('button', { name: 'Unpin chat', pressed: true }).waitFor();
    const first = page.getByRole('list', { name: 'Chats' }).getByRole('button').first();
    await until(
      async () =>
        new RegExp(`^${escape(TITLES[target]!)}, pinned`).test((await first.getAttribute('aria-label')) ?? ''),
      10_000,
      'the pinned chat on top',
    );
    const { chats: onServer } = await phone.api.call('listChats', {});
    expect(onServer.find((c) => c.chatId === chats[target]!.chatId)?.pinned).toBe(true);

    await page.getByRole('button', { name: 'Unpin chat' }).click();
    await page.getByRole('button', { name: 'Pin chat', pressed: false }).waitFor();
    const { chats: after } = await phone.api.call('listChats', {});
    expect(after.find((c) => c.chatId === chats[target]!.chatId)?.pinned).toBe(false);
  });

  it('offers a downloaded update, never installs it during a sync, and installs it after', async () => {
    const banner = page.getByRole('region', { name: 'Update available' });
    updates.dispatch({ type: 'check-started' });
    updates.dispatch({ type: 'update-available', version: '0.2.0' });
    updates.dispatch({ type: 'download-progress', percent: 60 });
    await expect(banner.count()).resolves.toBe(0); // nothing to offer until it is downloaded and verified
    updates.setSyncActive(true); // a sync is running when the download finishes
    updates.dispatch({ type: 'update-downloaded', version: '0.2.0' });
    await banner.getByText('Symc 0.2.0').waitFor();
    await banner.getByRole('button', { name: 'Update after sync' }).click();
    await banner.getByText('It installs when the sync in progress has finished.').waitFor();
    expect(updates.installs).toBe(0);
    updates.setSyncActive(false);
    expect(updates.installs).toBe(1);
  });

  it('shows linked devices and storage in settings, and logging out unlinks and wipes this desktop', async () => {
    await page.getByRole('button', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    const devices = dialog.getByRole('list', { name: 'Linked devices' });
    await devices.getByText('E2E desktop').waitFor();
    await devices.getByText('This desktop').waitFor();
    await dialog.getByText(/\d+ chats · \d+ messages/).waitFor();
    await shot(page, 'settings');

    // Preferences are the user's, synced encrypted: a change here reaches the phone, and the phone's comes back live.
    const theme = dialog.getByRole('combobox', { name: 'Theme' });
    await theme.selectOption('dark');
    await until(
      async () => (await page.locator('html').getAttribute('data-theme')) === 'dark',
      10_000,
      'the dark theme',
    );
    const readSettings = async () => {
      const { settings } = await phone.api.call('getSettings', {});
      return settings
        ? {
            version: settings.version,
            value: decryptUserSettings(phone.session.masterKey, phone.session.userId, settings.ciphertext),
          }
        : null;
    };
    await expect(readSettings()).resolves.toMatchObject({ value: { theme: 'dark' } });
    const current = (await readSettings())!;
    await phone.api.call('putSettings', {
      body: {
        ciphertext: encryptUserSettings(phone.session.masterKey, phone.session.userId, {
          ...current.value,
          theme: 'light',
          sendOnEnter: false,
        }),
        baseVersion: current.version,
      },
    });
    await until(async () => (await theme.inputValue()) === 'light', 10_000, 'the phone’s theme on the desktop');
    await expect(dialog.getByRole('checkbox', { name: /Enter sends a message/ }).isChecked()).resolves.toBe(false);
    await expect(page.locator('html').getAttribute('data-theme')).resolves.toBe('light');

    const dbFile = DesktopCore.databaseFile(dir);
    expect(existsSync(dbFile)).toBe(true);
    expect(readFileSync(dbFile).includes(Buffer.from('pelican'))).toBe(false); // ciphertext only at rest

    await dialog.getByRole('button', { name: 'Log out and unlink this desktop' }).click();
    await dialog.getByRole('button', { name: 'Yes, log out' }).click();

    // Back to pairing, with a fresh QR; the database and the keys are gone; the phone no longer lists it.
    await page.getByRole('heading', { name: 'Link this desktop' }).waitFor({ timeout: 15_000 });
    await page.getByRole('img', { name: 'Pairing QR code' }).waitFor();
    expect(existsSync(dbFile)).toBe(false);
    expect(existsSync(`${dbFile}-wal`)).toBe(false);
    expect(readdirSync(path.join(dir, 'keys'))).toEqual([]);
    const linked = await listLinkedDevices(phone.api);
    expect(linked.map((d) => d.name)).not.toContain('E2E desktop');

    // Nothing of the old session is left on screen.
    await expect(page.getByText('pelican').count()).resolves.toBe(0);
    expect(problems).toEqual([]);
  }, 60_000);
});
