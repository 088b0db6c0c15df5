import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { MessageRecord } from '../common/contract';
import { initCrypto } from '../common/crypto';
import { chatKeyFor, sendText, startChat } from '../mobile-pairing/src/core/chats';
import { approvePairing, lookupPairing, parsePairingInput } from '../mobile-pairing/src/core/pairing';
import { signUpPhone, signUpPhoneWithoutSigningKey } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { ensureDesktopBuild, type RunningDesktopApp, startDesktopApp } from './support/desktop-app';
import { LyingServer } from './support/lying-server';
import { openDesktopPage, stopInOrder } from './support/app-in-chromium';
import type { PhoneBrowser } from './support/phone-web';

const ARTIFACTS = path.resolve(__dirname, '../test-artifacts/desktop');

/**
 * The desktop app (headless host, the real renderer in Chromium) shows who wrote each message as the
 * signatures prove it, while the server it talks to lies: a LyingServer re-attributes one message in
 * the history it streams.
 */
describe('the desktop app and message authors', () => {
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
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-desktop-senders-'));
    ({ chromium, page, problems } = await openDesktopPage({
      viewport: { width: 1100, height: 700 },
      locale: 'en-GB',
      timezoneId: 'Europe/London',
      colorScheme: 'light',
    }));
  }, 240_000);
  afterAll(() => stopInOrder([chromium, desktop, liar, server], [dir]));

  it('verified messages look normal, legacy ones carry a subtle mark, unverified ones a warning that names no one', async () => {
    const alice = await signUpPhone(server, 'dsalice');
    const bob = await signUpPhone(server, 'dsbob');
    const mallory = await signUpPhone(server, 'dsmallory');
    const carol = await signUpPhoneWithoutSigningKey(server, 'dscarol');
    const { chat } = await startChat(alice.api, alice.session, {
      title: 'Trip',
      memberUsernames: [bob.session.username, mallory.session.username, carol.session.username],
    });
    const keyOf = async (p: typeof bob) =>
      chatKeyFor(p.api, p.session, await p.api.call('getChat', { params: { chatId: chat.chatId } }));
    await sendText(bob.api, bob.session, chat.chatId, await keyOf(bob), 'Bob, really');
    await sendText(
      mallory.api,
      mallory.session,
      chat.chatId,
      await keyOf(mallory),
      'Mallory, calling herself Bob',
      bob.session.username,
    );
    await sendText(carol.api, carol.session, chat.chatId, await keyOf(carol), 'Carol on an old app');
    const moved = await sendText(
      mallory.api,
      mallory.session,
      chat.chatId,
      await keyOf(mallory),
      'Mallory, pinned on Bob by the server',
    );
    // The server re-attributes that message to Bob in the history it streams.
    const reattribute = (m: MessageRecord) =>
      m.messageId === moved.messageId ? { ...m, senderUserId: bob.session.userId } : m;
    liar.rewriteSse((event) => {
      if (event.event !== 'message:sync') return event;
      const payload = JSON.parse(event.data) as { messages: MessageRecord[] };
      return { ...event, data: JSON.stringify({ ...payload, messages: payload.messages.map(reattribute) }) };
    });

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
    await approvePairing(alice.api, alice.session, await lookupPairing(alice.api, parsePairingInput(link)), checkCode);

    await page.getByRole('list', { name: 'Chats' }).getByRole('button', { name: /^Trip/ }).click({ timeout: 30_000 });
    const log = page.getByRole('log', { name: 'Messages' });
    await log.getByText('Mallory, pinned on Bob by the server').waitFor({ timeout: 30_000 });
    const bubble = (text: string) => log.locator('article.message', { hasText: text });

    await expect(bubble('Bob, really').getAttribute('data-verification')).resolves.toBe('verified');
    await expect(bubble('Bob, really').locator('.sender').textContent()).resolves.toBe(bob.session.username);
    await expect(bubble('Bob, really').locator('.author-mark').count()).resolves.toBe(0);

    await expect(bubble('Mallory, calling herself Bob').getAttribute('data-verification')).resolves.toBe('verified');
    await expect(bubble('Mallory, calling herself Bob').locator('.sender').textContent()).resolves.toBe(
      mallory.session.username,
    );

    await expect(bubble('Carol on an old app').getAttribute('data-verification')).resolves.toBe('legacy');
    await expect(bubble('Carol on an old app').locator('.sender').textContent()).resolves.toBe(carol.session.username);
    await expect(bubble('Carol on an old app').locator('.author-mark').textContent()).resolves.toBe('unsigned');

    const forged = bubble('Mallory, pinned on Bob by the server');
    await expect(forged.getAttribute('data-verification')).resolves.toBe('unverified');
    await expect(forged.getByRole('note').textContent()).resolves.toContain('Unverified sender');
    expect(await forged.textContent()).not.toContain(bob.session.username);
    await expect(forged.getAttribute('aria-label')).resolves.toMatch(/^Unverified sender at /);
    await page.screenshot({ path: path.join(ARTIFACTS, 'senders.png') });
    expect(problems).toEqual([]);
  });
});
