import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Page } from 'playwright-core';
import { createApiClient } from '../common/contract';
import { initCrypto, randomBytes } from '../common/crypto';
import { readMessage } from '../mobile-pairing/src/core/chats';
import { receiveFile, sendFileMessage, writeFile } from '../server/test/support/attachment-sender';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { CuttingProxy } from './support/cutting-proxy';
import { until } from './support/desktop';
import { ensureDesktopBuild, type RunningDesktopApp, startDesktopApp, approveFromScreen } from './support/desktop-app';
import { openDesktopPage, stopInOrder } from './support/app-in-chromium';
import type { PhoneBrowser } from './support/phone-web';
import { seedChats, type SeededChat } from './support/seed';

/** A real RGB PNG (a gradient) of the given size, for the browser to decode and thumbnail. */
function gradientPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      rows.set([(x * 255) / width, (y * 255) / height, 128], y * (width * 3 + 1) + 1 + x * 3);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * Attach an image, see it inline and full size, send several files as one message (an album), see a file
 * message wait offline and go when back online, and download a phone's file — as a user does (Chromium).
 * The desktop app reaches the server through a proxy that can cut the network.
 */
describe('the desktop app: attachments (Chromium)', () => {
  let server: TestServer;
  let proxy: CuttingProxy;
  let desktop: RunningDesktopApp;
  let chromium: PhoneBrowser;
  let page: Page;
  let dir: string;
  let work: string;
  let phone: Awaited<ReturnType<typeof signUpPhone>>;
  let chat: SeededChat;
  let problems: string[];

  beforeAll(async () => {
    ensureDesktopBuild();
    await initCrypto();
    server = await startTestServer();
    phone = await signUpPhone(server, 'filesui');
    chat = (await seedChats(server, phone.session, { chats: 1, messagesPerChat: () => 2 }))[0]!;
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-app-files-ui-'));
    work = mkdtempSync(path.join(os.tmpdir(), 'symc-app-files-ui-work-'));
    proxy = await new CuttingProxy(server.server.port).start();
    desktop = await startDesktopApp(proxy.url, dir);
    ({ chromium, page, problems } = await openDesktopPage(
      { viewport: { width: 1100, height: 700 }, acceptDownloads: true },
      { consoleErrors: false },
    ));
  }, 240_000);
  afterAll(() => stopInOrder([chromium, desktop, proxy, server], [dir, work]));

  it('links and opens the chat', async () => {
    await page.goto(desktop.host.url);
    // The pairing link names the address the desktop uses (the proxy): the phone approves through it too.
    const viaProxy = {
      session: phone.session,
      api: createApiClient({ baseUrl: proxy.url, accessToken: () => phone.session.tokens.accessToken }),
    };
    await approveFromScreen(page, viaProxy);
    await page
      .getByRole('list', { name: 'Chats' })
      .getByRole('button', { name: /^Chat 0/ })
      .click({ timeout: 30_000 });
    await page.getByRole('heading', { level: 2, name: 'Chat 0', exact: true }).waitFor();
  }, 90_000);

  it('attaches an image: inline from its thumbnail, full size on click; the phone opens the same bytes', async () => {
    const png = gradientPng(800, 600);
    await page
      .getByLabel('Files to attach')
      .setInputFiles({ name: 'gradient.png', mimeType: 'image/png', buffer: png });
    const inline = page.getByRole('article').getByRole('img', { name: 'gradient.png' });
    await inline.waitFor({ timeout: 20_000 });
    expect(await inline.getAttribute('src')).toMatch(/^data:image\/jpeg;base64,/);

    await inline.click();
    const full = page.getByRole('dialog', { name: 'gradient.png' }).getByRole('img');
    await full.waitFor({ timeout: 15_000 });
    await page.waitForFunction('document.querySelector(".image-viewer img")?.naturalWidth === 800');
    await page.getByRole('dialog', { name: 'gradient.png' }).getByRole('button', { name: 'Close' }).click();

    const list = async () =>
      (await phone.api.call('listMessages', { params: { chatId: chat.chatId }, query: { limit: 50 } })).messages;
    // Shown once queued; on the server right after.
    await until(
      async () => (await list()).some((m) => readMessage(m, chat.key).attachments?.length),
      20_000,
      'the image',
    );
    const records = await list();
    const record = records.find((m) => readMessage(m, chat.key).attachments?.length)!;
    const ref = readMessage(record, chat.key).attachments![0]!;
    expect(ref).toMatchObject({ name: 'gradient.png', mime: 'image/png', size: png.length });
    expect(ref.image).toMatchObject({ width: 800, height: 600, thumbnailMime: 'image/jpeg' });
    const plain = await receiveFile(
      { baseUrl: server.url, accessToken: () => phone.session.tokens.accessToken },
      { ref, context: { chatId: chat.chatId, messageId: record.messageId, attachmentId: ref.id } },
      work,
    );
    expect(readFileSync(plain).equals(png)).toBe(true);
  }, 60_000);

  it('sends files dropped on the chat and pasted into the message box', async () => {
    const sendBy = async (how: 'drop' | 'paste', name: string) => {
      // In the page (a string: this file has no DOM types): a File in a DataTransfer, dropped or pasted.
      await page.evaluate(`(() => {
        const transfer = new DataTransfer();
        transfer.items.add(new File(['${name} contents'], '${name}', { type: 'text/plain' }));
        const init = { bubbles: true, cancelable: true };
        if ('${how}' === 'drop') {
          const view = document.querySelector('.chat-view');
          view.dispatchEvent(new DragEvent('dragover', { ...init, dataTransfer: transfer }));
          view.dispatchEvent(new DragEvent('drop', { ...init, dataTransfer: transfer }));
        } else {
          const box = document.querySelector('textarea[aria-label="Message"]');
          box.dispatchEvent(new ClipboardEvent('paste', { ...init, clipboardData: transfer }));
        }
      })()`);
      await page.getByRole('article').getByRole('listitem').filter({ hasText: name }).waitFor({ timeout: 20_000 });
    };
    await sendBy('drop', 'dropped.txt');
    await sendBy('paste', 'pasted.txt');
    // The message shows as soon as it is queued; it reaches the server right after.
    const names = async () =>
      (
        await phone.api.call('listMessages', { params: { chatId: chat.chatId }, query: { limit: 50 } })
      ).messages.flatMap((m) => readMessage(m, chat.key).attachments?.map((a) => a.name) ?? []);
    await until(async () => (await names()).includes('pasted.txt'), 20_000, 'the pasted file on the server');
    expect(await names()).toEqual(expect.arrayContaining(['dropped.txt', 'pasted.txt']));
  }, 60_000);

  const phoneMessages = async () =>
    (await phone.api.call('listMessages', { params: { chatId: chat.chatId }, query: { limit: 100 } })).messages.map(
      (m) => ({ messageId: m.messageId, body: readMessage(m, chat.key) }),
    );

  it('several files picked together go as one message: the images side by side, the phone gets them all', async () => {
    await page.getByLabel('Files to attach').setInputFiles([
      { name: 'left.png', mimeType: 'image/png', buffer: gradientPng(320, 240) },
      { name: 'right.png', mimeType: 'image/png', buffer: gradientPng(240, 320) },
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('album notes') },
    ]);
    const album = page.locator('article ul.attachments.album').filter({ hasText: 'notes.txt' });
    await album.waitFor({ timeout: 30_000 });
    expect(await album.getByRole('listitem').count()).toBe(3);
    expect(await album.getByRole('img').count()).toBe(2);

    const withNotes = async () =>
      (await phoneMessages()).filter((m) => m.body.attachments?.some((a) => a.name === 'notes.txt'));
    await until(async () => (await withNotes()).length > 0, 20_000, 'the album on the server');
    expect(await withNotes()).toHaveLength(1);
    expect((await withNotes())[0]!.body.attachments!.map((a) => a.name)).toEqual([
      'left.png',
      'right.png',
      'notes.txt',
    ]);
  }, 60_000);

  it('offline, an image shows as waiting to send with its thumbnail, and goes once the network is back', async () => {
    proxy.setOffline(true);
    await page.getByLabel('Files to attach').setInputFiles({
      name: 'offline.png',
      mimeType: 'image/png',
      buffer: gradientPng(400, 300),
    });
    const bubble = page.getByRole('article').filter({ has: page.getByRole('img', { name: 'offline.png' }) });
    await bubble.getByText('waiting to send', { exact: true }).waitFor({ timeout: 30_000 });
    await bubble.getByText(/Waiting to send/).waitFor();
    expect(await bubble.getByRole('img', { name: 'offline.png' }).getAttribute('src')).toMatch(/^data:image\/jpeg/);
    expect((await phoneMessages()).some((m) => m.body.attachments?.some((a) => a.name === 'offline.png'))).toBe(false);

    proxy.setOffline(false);
    await bubble.getByText('waiting to send', { exact: true }).waitFor({ state: 'detached', timeout: 45_000 });
    const sent = async () =>
      (await phoneMessages()).filter((m) => m.body.attachments?.some((a) => a.name === 'offline.png'));
    await until(async () => (await sent()).length > 0, 20_000, 'the waiting image on the server');
    expect(await sent()).toHaveLength(1);
  }, 90_000);

  it('a waiting file message can be cancelled: it leaves the chat and never reaches the server', async () => {
    proxy.setOffline(true);
    await page.getByLabel('Files to attach').setInputFiles({
      name: 'changed-my-mind.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('never sent'),
    });
    const bubble = page.getByRole('article').filter({ hasText: 'changed-my-mind.txt' });
    await bubble.getByText('waiting to send', { exact: true }).waitFor({ timeout: 30_000 });
    await bubble.getByRole('button', { name: 'Cancel' }).click();
    await bubble.waitFor({ state: 'detached', timeout: 15_000 });
    proxy.setOffline(false);
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await phoneMessages()).some((m) => m.body.attachments?.some((a) => a.name === 'changed-my-mind.txt'))).toBe(
      false,
    );
  }, 60_000);

  it("downloads a phone's file through the browser (no save dialog in the headless app)", async () => {
    const content = randomBytes(700_000);
    await sendFileMessage(
      phone.api,
      phone.session,
      { baseUrl: server.url },
      chat.chatId,
      chat.key,
      writeFile(work, 'report.bin', content),
      work,
      { name: 'report.bin' },
    );
    const item = page.getByRole('article').getByRole('listitem').filter({ hasText: 'report.bin' });
    await item.waitFor({ timeout: 20_000 });
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 20_000 }),
      item.getByRole('button', { name: 'Save' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('report.bin');
    const saved = path.join(work, 'downloaded.bin');
    await download.saveAs(saved);
    expect(readFileSync(saved).equals(Buffer.from(content))).toBe(true);
    expect(problems).toEqual([]);
  }, 60_000);
});
