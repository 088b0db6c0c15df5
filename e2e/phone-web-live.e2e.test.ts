import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page, Request } from 'playwright-core';
import { initCrypto } from '../common/crypto';
import { signIn } from '../mobile-pairing/src/core/account';
import { chatKeyFor, sendText, startChat } from '../mobile-pairing/src/core/chats';
import { PhoneDrafts } from '../mobile-pairing/src/core/drafts';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { pairDesktop, until } from './support/desktop';
import { ensurePhoneBuild } from './support/build-phone';
import { launchChromium, newPhone, type PhoneBrowser } from './support/phone-web';

/**
 * The phone web app on the live stream, in Chromium against the real server: another user's message,
 * another device's draft and this phone being unlinked all reach the page within moments — while the
 * stream is up the page polls only every 30 s, so arriving in a couple of seconds means the stream
 * brought it. When the stream is cut and can't come back the page falls back to polling, and it
 * reconnects (with a new ticket, asking for the changes since the last one it saw) when it can. A hidden
 * page holds no stream.
 */
describe('live updates in the phone web app', () => {
  let server: TestServer;
  let chromium: PhoneBrowser;
  let page: Page;
  let problems: string[];
  let requests: Array<{ at: number; method: string; url: string; headers: Record<string, string> }>;

  beforeAll(async () => {
    ensurePhoneBuild();
    await initCrypto();
    server = await startTestServer();
    chromium = await launchChromium();
  }, 180_000);
  beforeEach(async () => {
    ({ page, problems } = await newPhone(chromium.browser));
    requests = [];
    page.on('request', (r: Request) =>
      requests.push({ at: Date.now(), method: r.method(), url: r.url(), headers: r.headers() }),
    );
  });
  afterEach(async () => {
    await page.context().close();
    // A refused connection (the fallback test cuts the network path) is the network's doing; anything
    // else the page logged as an error fails the test.
    expect(problems.splice(0).filter((p) => !/^Failed to load resource: net::ERR_/.test(p))).toEqual([]);
  });
  afterAll(async () => {
    await chromium?.close();
    await server?.stop();
  });

  const shell = () => page.locator('.shell');
  const log = () => page.getByRole('log');
  const messageFetches = (chatId: string, after: number) =>
    requests.filter(
      (r) => r.at >= after && r.method === 'GET' && new URL(r.url).pathname === `/chats/${chatId}/messages`,
    );
  const streamOpens = () => requests.filter((r) => new URL(r.url).pathname === '/sse/connect');

  /** The web app signed in as `me` (a new phone device of that account), with the chat open and the stream up. */
  async function openChat(me: Awaited<ReturnType<typeof signUpPhone>>, title: string): Promise<void> {
    await page.goto(`${server.url}/phone/`);
    await page.getByRole('button', { name: 'Sign in' }).first().click();
    await page.getByLabel('Username').fill(me.session.username);
    await page.getByLabel('Password', { exact: true }).fill(me.password);
    await page.getByRole('button', { name: 'Sign in' }).last().click();
    await page.getByRole('list', { name: 'Chats' }).getByText(title).click();
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    await shell().and(page.locator('[data-live="stream"]')).waitFor({ timeout: 10_000 });
    // The conversation is loaded, and the immediate catch-up poll that follows the stream coming up has settled.
    await page.locator('.chat-start').waitFor();
    await page.waitForTimeout(300);
  }

  async function webDeviceId(me: Awaited<ReturnType<typeof signUpPhone>>): Promise<string> {
    const { devices } = await me.api.call('listDevices', {});
    const web = devices.find((d) => d.deviceId !== me.session.deviceId && d.kind === 'phone');
    if (!web) throw new Error('the web app’s device is not listed');
    return web.deviceId;
  }

  it('another user’s message appears in the open conversation within moments, brought by the stream', async () => {
    const me = await signUpPhone(server, 'livereader');
    const friend = await signUpPhone(server, 'livefriend');
    const { chat } = await startChat(me.api, me.session, {
      title: 'Live chat',
      memberUsernames: [friend.session.username],
    });
    const friendKey = await chatKeyFor(
      friend.api,
      friend.session,
      await friend.api.call('getChat', { params: { chatId: chat.chatId } }),
    );
    await openChat(me, 'Live chat');

    // The stream was opened with a one-time ticket, live-only, and no credentials in a header or the URL.
    const opens = streamOpens();
    expect(opens.length).toBeGreaterThanOrEqual(1);
    for (const open of opens) {
      const url = new URL(open.url);
      expect(url.searchParams.get('ticket')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(url.searchParams.get('from') ?? url.searchParams.get('since')).toBeTruthy();
      expect(open.headers.authorization).toBeUndefined();
    }
    expect(new Set(opens.map((o) => new URL(o.url).searchParams.get('ticket'))).size).toBe(opens.length);
    expect(server.logs.join('\n')).not.toContain(new URL(opens[0]!.url).searchParams.get('ticket')!);

    const sentAt = Date.now();
    await sendText(friend.api, friend.session, chat.chatId, friendKey, 'Hello over the stream');
    await log().getByText('Hello over the stream').waitFor({ timeout: 10_000 });
    const tookMs = Date.now() - sentAt;
    // Polling runs every 30 s while the stream is up (4 s without it): this was the stream.
    expect(tookMs).toBeLessThan(10_000);
    expect(await shell().getAttribute('data-live')).toBe('stream');
    // One fetch of the newest page, triggered by the event — not a poll that happened to fall here.
    expect(messageFetches(chat.chatId, sentAt)).toHaveLength(1);
  });

  it('a draft written on another device of the account reaches the open composer live', async () => {
    const me = await signUpPhone(server, 'livedrafter');
    const { chat } = await startChat(me.api, me.session, { title: 'Draft live', memberUsernames: [] });
    const other = new PhoneDrafts({ client: me.api, session: me.session, debounceMs: 10 });
    await openChat(me, 'Draft live');

    const composer = page.getByRole('textbox', { name: 'Message' });
    const writtenAt = Date.now();
    other.edit(chat.chatId, 'Started on the other device');
    await other.flush();
    await until(
      async () => (await composer.inputValue()) === 'Started on the other device',
      10_000,
      'the draft in the composer',
    );
    expect(Date.now() - writtenAt).toBeLessThan(10_000);
    other.close();
  });

  it('unlinking the phone from another device signs the page out at once', async () => {
    const me = await signUpPhone(server, 'liveunlinked');
    await startChat(me.api, me.session, { title: 'Soon gone', memberUsernames: [] });
    await openChat(me, 'Soon gone');

    const unlinkedAt = Date.now();
    await me.api.call('revokeDevice', { params: { deviceId: await webDeviceId(me) } });
    await page.getByText('This phone was unlinked from your account').waitFor({ timeout: 10_000 });
    expect(Date.now() - unlinkedAt).toBeLessThan(10_000);
    await page.getByRole('button', { name: 'Sign in' }).first().waitFor();
  });

  it('a device unlinked from elsewhere leaves the Devices screen at once', async () => {
    const me = await signUpPhone(server, 'livedevices');
    await startChat(me.api, me.session, { title: 'Devices live', memberUsernames: [] });
    const tablet = await signIn(server.client(), {
      username: me.session.username,
      password: me.password,
      device: { name: 'Old tablet', platform: 'android' },
    });
    await openChat(me, 'Devices live');
    await page.getByRole('link', { name: 'Back' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices' }).click();
    const row = page.getByTestId('device-row').filter({ hasText: 'Old tablet' });
    await row.waitFor();

    // The Devices screen polls every 20 s; the stream's device:revoked makes it re-read at once.
    const unlinkedAt = Date.now();
    await me.api.call('revokeDevice', { params: { deviceId: tablet.deviceId } });
    await row.waitFor({ state: 'detached', timeout: 10_000 });
    expect(Date.now() - unlinkedAt).toBeLessThan(10_000);
  });

  it('a desktop linked from elsewhere appears on the Devices screen at once', async () => {
    const me = await signUpPhone(server, 'livelinks');
    await startChat(me.api, me.session, { title: 'Links live', memberUsernames: [] });
    await openChat(me, 'Links live');
    await page.getByRole('link', { name: 'Back' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices' }).click();
    await page.getByTestId('device-row').first().waitFor();

    // The screen just read the list and polls again in 20 s; the stream's device:linked re-reads it now.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'symc-live-link-'));
    try {
      const linkedAt = Date.now();
      await pairDesktop(server.url, me, dir);
      await page.getByTestId('device-row').filter({ hasText: 'Test desktop' }).waitFor({ timeout: 8_000 });
      expect(Date.now() - linkedAt).toBeLessThan(8_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('falls back to polling while the stream is down, and comes back asking for what it missed', async () => {
    const me = await signUpPhone(server, 'livefallback');
    const friend = await signUpPhone(server, 'livefallbackfriend');
    const { chat } = await startChat(me.api, me.session, {
      title: 'Fallback',
      memberUsernames: [friend.session.username],
    });
    const friendKey = await chatKeyFor(
      friend.api,
      friend.session,
      await friend.api.call('getChat', { params: { chatId: chat.chatId } }),
    );
    await openChat(me, 'Fallback');

    // The server cuts every stream while no new ticket can be had (the network path to it is down).
    await page.route('**/sse/ticket', (route) => route.abort('connectionrefused'));
    for (const stream of server.server.deps.streams) stream.end();
    await shell().and(page.locator('[data-live="polling"]')).waitFor({ timeout: 10_000 });

    // Polling (every 4 s now) still brings a message.
    await sendText(friend.api, friend.session, chat.chatId, friendKey, 'Brought by the poll');
    await log().getByText('Brought by the poll').waitFor({ timeout: 10_000 });

    // Back: a new ticket, and the stream resumes after the last seq the page saw.
    const before = streamOpens().length;
    await page.unroute('**/sse/ticket');
    await shell().and(page.locator('[data-live="stream"]')).waitFor({ timeout: 40_000 });
    const reopen = streamOpens().slice(before).at(-1)!;
    expect(new URL(reopen.url).searchParams.get('since')).toMatch(/^\d+$/);

    await sendText(friend.api, friend.session, chat.chatId, friendKey, 'Back on the stream');
    await log().getByText('Back on the stream').waitFor({ timeout: 10_000 });
  }, 90_000);

  it('a hidden page closes its stream; shown again, it reconnects and catches up', async () => {
    const me = await signUpPhone(server, 'livehidden');
    const friend = await signUpPhone(server, 'livehiddenfriend');
    const { chat } = await startChat(me.api, me.session, {
      title: 'Hidden',
      memberUsernames: [friend.session.username],
    });
    const friendKey = await chatKeyFor(
      friend.api,
      friend.session,
      await friend.api.call('getChat', { params: { chatId: chat.chatId } }),
    );
    await openChat(me, 'Hidden');
    // Earlier tests' pages are closed: this page's stream is the only one left on the server.
    const open = () => [...server.server.deps.streams].filter((s) => !s.closed).length;
    await until(() => open() === 1, 10_000, 'one open stream');

    await setVisibility(page, 'hidden');
    await until(() => open() === 0, 10_000, 'the stream to close');
    expect(await shell().getAttribute('data-live')).toBe('polling');
    await sendText(friend.api, friend.session, chat.chatId, friendKey, 'Sent while hidden');

    await setVisibility(page, 'visible');
    await log().getByText('Sent while hidden').waitFor({ timeout: 10_000 });
    await shell().and(page.locator('[data-live="stream"]')).waitFor({ timeout: 10_000 });
    expect(open()).toBe(1);
  });
});

/** What the page sees when the phone is locked or the tab switched (headless Chromium is always "visible"). */
async function setVisibility(page: Page, state: 'visible' | 'hidden'): Promise<void> {
  await page.evaluate(`(() => {
    Object.defineProperty(document, 'visibilityState', { value: '${state}', configurable: true });
    Object.defineProperty(document, 'hidden', { value: ${state === 'hidden'}, configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  })()`);
}
