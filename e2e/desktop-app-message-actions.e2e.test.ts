import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { readEdit } from '../common/content';
import { initCrypto } from '../common/crypto';
import { readMessage } from '../mobile-pairing/src/core/chats';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { ensureDesktopBuild, type RunningDesktopApp, startDesktopApp, approveFromScreen } from './support/desktop-app';
import { openDesktopPage, stopInOrder } from './support/app-in-chromium';
import type { PhoneBrowser } from './support/phone-web';
import { seedChats, type SeededChat } from './support/seed';

/** Reply, edit, delete for everyone and delete for me in the desktop app, as a user does them (Chromium). */
describe('the desktop app: message actions (Chromium)', () => {
  let server: TestServer;
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
    phone = await signUpPhone(server, 'actionsui');
    chat = (await seedChats(server, phone.session, { chats: 1, messagesPerChat: () => 2 }))[0]!;
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-app-actions-'));
    desktop = await startDesktopApp(server.url, dir);
    ({ chromium, page, problems } = await openDesktopPage(
      { viewport: { width: 1100, height: 700 } },
      { consoleErrors: false },
    ));
  }, 240_000);
  afterAll(() => stopInOrder([chromium, desktop, server], [dir]));

  const onServer = async () =>
    (await phone.api.call('listMessages', { params: { chatId: chat.chatId }, query: { limit: 100 } })).messages;
  const bubble = (text: string) => page.getByRole('article').filter({ hasText: text });

  it('links and opens the chat', async () => {
    await page.goto(desktop.host.url);
    await approveFromScreen(page, phone);
    await page
      .getByRole('list', { name: 'Chats' })
      .getByRole('button', { name: /^Chat 0/ })
      .click({ timeout: 30_000 });
    await page.getByRole('heading', { level: 2, name: 'Chat 0', exact: true }).waitFor();
  }, 90_000);

  it('edits a sent message in place: "edited" here, the signed edit on the server', async () => {
    const composer = page.getByRole('textbox', { name: 'Message' });
    await composer.fill('See you at 5');
    await composer.press('Enter');
    const mine = bubble('See you at 5');
    await mine.getByRole('img', { name: /^(Sent|Delivered|Read)$/ }).waitFor({ timeout: 15_000 });
    await mine.hover();
    await mine.getByRole('button', { name: 'Edit' }).click();
    const editor = page.getByRole('textbox', { name: 'Edit message' });
    await editor.fill('See you at 6');
    await editor.press('Enter');
    const edited = bubble('See you at 6');
    await edited.getByText('edited', { exact: true }).waitFor({ timeout: 15_000 });

    const record = (await onServer()).find((m) => readMessage(m, chat.key).text === 'See you at 5')!;
    const origin = { chatId: chat.chatId, messageId: record.messageId, senderUserId: record.senderUserId };
    expect(readEdit(chat.key, origin, record.edit, phone.session.signing!.publicKey)).toMatchObject({
      state: 'verified',
      text: 'See you at 6',
    });
  }, 60_000);

  it('replies with a quote', async () => {
    const target = bubble('See you at 6');
    await target.hover();
    await target.getByRole('button', { name: 'Reply' }).click();
    await page.getByRole('status', { name: 'Replying to' }).getByText('See you at 6').waitFor();
    const composer = page.getByRole('textbox', { name: 'Message' });
    await composer.fill('Make it 7');
    await composer.press('Enter');
    const reply = bubble('Make it 7');
    await reply.locator('blockquote.reply-quote', { hasText: 'See you at 6' }).waitFor({ timeout: 15_000 });
    const record = (await onServer()).find((m) => readMessage(m, chat.key).text === 'Make it 7')!;
    expect(readMessage(record, chat.key).replyTo?.text).toBe('See you at 6');
  }, 60_000);

  it('deletes for everyone: a tombstone here, no ciphertext on the server', async () => {
    const target = bubble('Make it 7');
    await target.hover();
    await target.getByRole('button', { name: 'Delete…' }).click();
    await target.getByRole('button', { name: 'Delete for everyone' }).click();
    await page.getByText('You deleted this message.').waitFor({ timeout: 15_000 });
    const deleted = (await onServer()).filter((m) => m.deletedAt);
    expect(deleted).toHaveLength(1);
    expect(deleted[0]!.ciphertext).toBe('');
  }, 60_000);

  it('deletes for me: the message leaves this account only', async () => {
    const before = (await onServer()).length;
    const target = bubble('See you at 6');
    await target.hover();
    await target.getByRole('button', { name: 'Delete…' }).click();
    await target.getByRole('button', { name: 'Delete for me' }).click();
    await bubble('See you at 6').waitFor({ state: 'detached', timeout: 15_000 });
    expect(await onServer()).toHaveLength(before - 1);
    expect(problems).toEqual([]);
  }, 60_000);
});
