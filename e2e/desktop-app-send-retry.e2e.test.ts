import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { createApiClient } from '../common/contract';
import { initCrypto } from '../common/crypto';
import { readMessage } from '../mobile-pairing/src/core/chats';
import { approvePairing, lookupPairing, parsePairingInput } from '../mobile-pairing/src/core/pairing';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { CuttingProxy } from './support/cutting-proxy';
import { ensureDesktopBuild, type RunningDesktopApp, startDesktopApp } from './support/desktop-app';
import { openDesktopPage, stopInOrder } from './support/app-in-chromium';
import type { PhoneBrowser } from './support/phone-web';
import { seedChats, type SeededChat } from './support/seed';

const SENDS = /^POST \/chats\/[^/]+\/messages$/;

/** The send states as the user sees them: queued during a deploy, "Not sent" with Retry after a refusal. */
describe('the desktop app: a refused message says so and offers a retry (Chromium)', () => {
  let server: TestServer;
  let proxy: CuttingProxy;
  let desktop: RunningDesktopApp;
  let chromium: PhoneBrowser;
  let page: Page;
  let dir: string;
  let phone: Awaited<ReturnType<typeof signUpPhone>>;
  let chat: SeededChat;
  let problems: string[];

  beforeAll(async () => {
    ensureDesktopBuild();
    await initCrypto();
    server = await startTestServer();
    proxy = await new CuttingProxy(server.server.port).start();
    phone = await signUpPhone(server, 'retryui');
    chat = (await seedChats(server, phone.session, { chats: 1, messagesPerChat: () => 2 }))[0]!;
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-app-retry-'));
    desktop = await startDesktopApp(proxy.url, dir);
    ({ chromium, page, problems } = await openDesktopPage(
      { viewport: { width: 1100, height: 700 } },
      { consoleErrors: false },
    ));
  }, 240_000);
  afterAll(() => stopInOrder([chromium, desktop, proxy, server], [dir]));

  const copiesOnServer = async (text: string) => {
    const { messages } = await phone.api.call('listMessages', {
      params: { chatId: chat.chatId },
      query: { limit: 100 },
    });
    return messages.filter((m) => readMessage(m, chat.key).text === text);
  };

  it('links, opens the chat, and shows a deploy-time send as queued until it is sent', async () => {
    await page.goto(desktop.host.url);
    const link = await page.getByLabel('Pairing link').inputValue({ timeout: 30_000 });
    const checkCode = (await page.getByLabel('Check code').textContent())!.trim();
    const viaProxy = createApiClient({ baseUrl: proxy.url, accessToken: () => phone.session.tokens.accessToken });
    await approvePairing(viaProxy, phone.session, await lookupPairing(viaProxy, parsePairingInput(link)), checkCode);
    await page
      .getByRole('list', { name: 'Chats' })
      .getByRole('button', { name: /^Chat 0/ })
      .click({ timeout: 30_000 });
    await page.getByRole('heading', { level: 2, name: 'Chat 0', exact: true }).waitFor();

    proxy.answerRequests({ status: 503, requests: SENDS });
    const composer = page.getByRole('textbox', { name: 'Message' });
    await composer.fill('Typed during the deploy');
    await composer.press('Enter');
    const bubble = page.getByRole('article').filter({ hasText: 'Typed during the deploy' });
    await bubble.getByRole('img', { name: 'Queued — sends when online' }).waitFor();
    await expect(bubble.getByRole('alert').count()).resolves.toBe(0);
    proxy.answerRequests(null);
    await bubble.getByRole('img', { name: /^(Sent|Delivered|Read)$/ }).waitFor({ timeout: 15_000 });
    expect(await copiesOnServer('Typed during the deploy')).toHaveLength(1);
  }, 90_000);

  it('a refused message shows "Not sent" with the reason; Retry sends it once', async () => {
    proxy.answerRequests({
      status: 403,
      body: { error: { code: 'forbidden', message: 'you are not a member of this chat' } },
      requests: SENDS,
    });
    const composer = page.getByRole('textbox', { name: 'Message' });
    await composer.fill('Refused, then retried');
    await composer.press('Enter');
    const bubble = page.getByRole('article').filter({ hasText: 'Refused, then retried' });
    const alert = bubble.getByRole('alert');
    await alert.getByText('Not sent — you are not a member of this chat').waitFor();
    // The text left the composer: it lives in the failed bubble now (no second copy to send by mistake).
    await expect(composer.inputValue()).resolves.toBe('');
    expect(await copiesOnServer('Refused, then retried')).toHaveLength(0);

    proxy.answerRequests(null);
    await alert.getByRole('button', { name: 'Retry' }).click();
    await bubble.getByRole('img', { name: /^(Sent|Delivered|Read)$/ }).waitFor({ timeout: 15_000 });
    await expect(bubble.getByRole('alert').count()).resolves.toBe(0);
    expect(await copiesOnServer('Refused, then retried')).toHaveLength(1);
    expect(problems).toEqual([]);
  }, 60_000);
});
