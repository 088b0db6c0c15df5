import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import { type AttachmentRef, thumbnailProblem } from '../common/content';
import { fromBase64Url, initCrypto, randomBytes } from '../common/crypto';
import type { DesktopCore } from '../desktop/src/core/desktop-core';
import { sendFile } from '../mobile-pairing/src/core/attachments/file-messages';
import { readMessage, startChat } from '../mobile-pairing/src/core/chats';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { ensurePhoneBuild } from './support/build-phone';
import { linkAndSync, until } from './support/desktop';
import { launchChromium, newPhone, type PhoneBrowser } from './support/phone-web';

const KB = 1024;

/** A real PNG whose pixel (x, y) is (x mod 256, y mod 256, 128): its pixels can be checked after a round trip. */
function patternPng(width: number, height: number): Buffer {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      png.data[i] = x % 256;
      png.data[i + 1] = y % 256;
      png.data[i + 2] = 128;
      png.data[i + 3] = 255;
    }
  return PNG.sync.write(png);
}

/**
 * Files in the phone web app (docs/ATTACHMENTS.md), in Chromium against a real server: Bob on the page sends
 * a photo (the camera input) and a file, encrypted on the phone; Alice's desktop core receives and opens
 * both. The desktop sends an image and a file; the page shows the thumbnail, opens the image full size and
 * downloads the file. A blob the server changed is shown as damaged and never opened; a file over the
 * server's limit is refused in words and never becomes a message.
 */
describe('the phone web app: photos and files', () => {
  let server: TestServer;
  let chromium: PhoneBrowser;
  let page: Page;
  let problems: string[];
  let alice: Awaited<ReturnType<typeof signUpPhone>>;
  let bob: Awaited<ReturnType<typeof signUpPhone>>;
  let desktop: DesktopCore;
  let dir: string;
  let chatId: string;
  let aliceKey: Awaited<ReturnType<typeof startChat>>['chatKey'];

  beforeAll(async () => {
    ensurePhoneBuild();
    await initCrypto();
    // Blobs of at most 3 MiB here, so "too large" can be shown without a 100 MB file.
    server = await startTestServer({ MAX_ATTACHMENT_BYTES: String(3 * KB * KB) });
    alice = await signUpPhone(server, 'pwfalice');
    bob = await signUpPhone(server, 'pwfbob');
    const started = await startChat(alice.api, alice.session, {
      title: 'Files',
      memberUsernames: [bob.session.username],
    });
    chatId = started.chat.chatId;
    aliceKey = started.chatKey;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'symc-phone-files-desktop-'));
    desktop = await linkAndSync(server.url, alice, dir, []);
    desktop.attachments.setAutoDownloadBytes(0);

    chromium = await launchChromium();
    ({ page, problems } = await newPhone(chromium.browser));
    await page.goto(`${server.url}/phone/`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Username').fill(bob.session.username);
    await page.getByLabel('Password', { exact: true }).fill(bob.password);
    await page.getByRole('form', { name: 'Sign in' }).getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.shell[data-live="stream"]').waitFor({ timeout: 15_000 });
    await page.locator('.chat-row').filter({ hasText: 'Files' }).click();
    await page.getByRole('log').waitFor();
  }, 180_000);
  afterAll(async () => {
    await chromium?.close();
    await desktop?.stop();
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const log = () => page.getByRole('log');
  const attachment = (name: string) => log().locator('.attachment').filter({ hasText: name });

  /** Picks `file` through the attach sheet's `choice` (Take photo / Photo / File); returns the input used. */
  async function pick(choice: string, file: { name: string; mimeType: string; buffer: Buffer }) {
    await page.getByRole('button', { name: 'Attach a photo or file' }).click();
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('dialog', { name: 'Attach' }).getByRole('button', { name: choice, exact: true }).click();
    const picked = await chooser;
    await picked.setFiles(file);
    return picked.element();
  }

  /** The newest file message in the chat, as Alice's phone reads it. */
  async function newestRef(): Promise<{ messageId: string; ref: AttachmentRef }> {
    const { messages } = await alice.api.call('listMessages', { params: { chatId }, query: { limit: 50 } });
    // A page is oldest first: the newest file message is the last one with a file.
    const newest = messages.findLast((m) => readMessage(m, aliceKey).attachments?.length)!;
    return { messageId: newest.messageId, ref: readMessage(newest, aliceKey).attachments![0]! };
  }

  /** The desktop core fetches, checks and reads the file back whole. */
  async function openOnDesktop(messageId: string, attachmentId: string): Promise<Buffer> {
    await until(
      () => desktop.attachments.find(chatId, messageId, attachmentId) !== null,
      15_000,
      'the desktop has the message',
    );
    const { readerId } = await desktop.attachments.openReader(chatId, messageId, attachmentId);
    const pieces: Uint8Array[] = [];
    for (;;) {
      const piece = await desktop.attachments.read(readerId, 256 * KB);
      pieces.push(piece.bytes);
      if (piece.done) return Buffer.concat(pieces);
    }
  }

  it('sends a photo from the camera input and a file; the desktop opens both exactly', async () => {
    const photo = patternPng(640, 480);
    const input = await pick('Take photo', { name: 'camera.png', mimeType: 'image/png', buffer: photo });
    expect(await input.getAttribute('capture')).toBe('environment');
    expect(await input.getAttribute('accept')).toBe('image/*');
    await attachment('camera.png').locator('img').waitFor({ timeout: 20_000 });
    const sentPhoto = await newestRef();
    expect(sentPhoto.ref).toMatchObject({ name: 'camera.png', mime: 'image/png', size: photo.length });
    expect(sentPhoto.ref.image).toMatchObject({ width: 640, height: 480, thumbnailMime: 'image/jpeg' });
    // The thumbnail the phone made with its canvas: a real JPEG within the limit, passing the desktop's check.
    expect(thumbnailProblem(sentPhoto.ref.image!.thumbnail!, 'image/jpeg')).toBeNull();
    expect(fromBase64Url(sentPhoto.ref.image!.thumbnail!).length).toBeLessThanOrEqual(24 * KB);
    expect(Buffer.compare(await openOnDesktop(sentPhoto.messageId, sentPhoto.ref.id), photo)).toBe(0);

    const notes = Buffer.from(randomBytes(2 * KB * KB + 12_345));
    await pick('File', { name: 'notes.bin', mimeType: 'application/octet-stream', buffer: notes });
    await attachment('notes.bin').waitFor({ timeout: 20_000 });
    expect(await attachment('notes.bin').locator('img').count()).toBe(0);
    await attachment('notes.bin').getByText('2.0 MB').waitFor();
    const sentFile = await newestRef();
    expect(sentFile.ref).toMatchObject({ name: 'notes.bin', size: notes.length });
    expect(sentFile.ref.image).toBeUndefined();
    expect(Buffer.compare(await openOnDesktop(sentFile.messageId, sentFile.ref.id), notes)).toBe(0);
    expect(problems).toEqual([]);
  }, 90_000);

  it('shows the desktop’s image from its thumbnail, opens it full size, and downloads its file', async () => {
    const image = patternPng(300, 200);
    const thumbnail = patternPng(60, 40).toString('base64url');
    const sendFromDesktop = async (name: string, mime: string, bytes: Buffer, withImage: boolean) => {
      const { uploadId } = desktop.attachments.beginSend({ chatId, name, mime, size: bytes.length });
      for (let offset = 0; offset < bytes.length; offset += 512 * KB)
        desktop.attachments.appendSend(uploadId, offset, bytes.subarray(offset, offset + 512 * KB));
      const shown = withImage ? { width: 300, height: 200, thumbnail, thumbnailMime: 'image/png' } : undefined;
      await desktop.attachments.finishSend([{ uploadId, ...(shown ? { image: shown } : {}) }], '');
    };
    await sendFromDesktop('desk-photo.png', 'image/png', image, true);
    const thumb = attachment('desk-photo.png').locator('img');
    await thumb.waitFor({ timeout: 20_000 });
    // The thumbnail decoded under the app's CSP (a blob: URL it made from the decrypted body).
    await page.waitForFunction(
      `[...document.querySelectorAll('.attachment img')].some((img) => img.alt === 'desk-photo.png' && img.naturalWidth === 60)`,
    );

    await page.getByRole('button', { name: 'Show desk-photo.png full size' }).click();
    const viewer = page.getByRole('dialog', { name: 'desk-photo.png' });
    const full = viewer.getByRole('img', { name: 'desk-photo.png (full size)' });
    await full.waitFor({ timeout: 20_000 });
    // Its pixels, read back through a canvas (lossless PNG: exactly the desktop's).
    const pixels = await page.evaluate<{ width: number; height: number; at: number[] }>(`(async () => {
      const img = document.querySelector('.image-viewer img');
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const context = canvas.getContext('2d');
      context.drawImage(img, 0, 0);
      return { width: img.naturalWidth, height: img.naturalHeight, at: [...context.getImageData(257, 130, 1, 1).data] };
    })()`);
    expect(pixels).toEqual({ width: 300, height: 200, at: [1, 130, 128, 255] });
    await viewer.getByRole('button', { name: 'Close' }).click();
    await viewer.waitFor({ state: 'hidden' });

    const report = Buffer.from(randomBytes(700 * KB));
    await sendFromDesktop('report.pdf', 'application/pdf', report, false);
    await attachment('report.pdf').waitFor({ timeout: 20_000 });
    const download = page.waitForEvent('download');
    await attachment('report.pdf').getByRole('button', { name: 'Download' }).click();
    const saved = await download;
    expect(saved.suggestedFilename()).toBe('report.pdf');
    expect(Buffer.compare(fs.readFileSync((await saved.path())!), report)).toBe(0);
    expect(problems).toEqual([]);
  }, 90_000);

  it('a blob the server changed is shown as damaged: no image, no download', async () => {
    const transport = {
      baseUrl: server.url,
      accessToken: () => alice.session.tokens.accessToken,
      renewToken: async () => undefined,
    };
    const photo = patternPng(200, 100);
    const record = await sendFile(alice.api, alice.session, transport, chatId, aliceKey, {
      file: new Blob([photo]),
      name: 'changed.png',
      mime: 'image/png',
      image: {
        width: 200,
        height: 100,
        thumbnail: patternPng(20, 10).toString('base64url'),
        thumbnailMime: 'image/png',
      },
    });
    const ref = readMessage(record, aliceKey).attachments![0]!;
    const onServer = path.join(server.dataDir, 'attachments', ref.id);
    const bytes = fs.readFileSync(onServer);
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 1;
    fs.writeFileSync(onServer, bytes);

    await attachment('changed.png').locator('img').waitFor({ timeout: 20_000 });
    let downloads = 0;
    page.on('download', () => downloads++);
    await page.getByRole('button', { name: 'Show changed.png full size' }).click();
    await log().locator('.attachment[data-state="damaged"]').filter({ hasText: 'changed.png' }).waitFor();
    await attachment('changed.png').getByText('damaged', { exact: true }).waitFor();
    await attachment('changed.png')
      .getByRole('alert')
      .getByText(/This file is damaged/)
      .waitFor();
    expect(await page.getByRole('dialog', { name: 'changed.png' }).isVisible()).toBe(false);
    await attachment('changed.png').getByRole('button', { name: 'Try again' }).click();
    await attachment('changed.png')
      .getByRole('alert')
      .getByText(/This file is damaged/)
      .waitFor();
    expect(downloads).toBe(0);
  }, 60_000);

  it('a file over the server’s limit is refused in words and never becomes a message', async () => {
    const before = (await alice.api.call('listMessages', { params: { chatId }, query: { limit: 50 } })).messages.length;
    await pick('File', {
      name: 'huge.bin',
      mimeType: 'application/octet-stream',
      buffer: Buffer.alloc(4 * KB * KB, 7),
    });
    await page
      .getByRole('alert')
      .getByText(/“huge\.bin” was not sent\. The server refused it as too large/)
      .waitFor({ timeout: 20_000 });
    expect(await log().locator('.outgoing-file').count()).toBe(0);
    expect(await attachment('huge.bin').count()).toBe(0);
    const after = (await alice.api.call('listMessages', { params: { chatId }, query: { limit: 50 } })).messages.length;
    expect(after).toBe(before);
    expect(
      await server.server.deps.db.attachment.count({ where: { ownerUserId: bob.session.userId, boundAt: null } }),
    ).toBe(0);
  }, 60_000);
});
