import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createIpcDispatch,
  type IpcDispatch,
  type IpcEventPayload,
  type MessageView,
  type StorageView,
} from '../common/contract';
import { initCrypto, randomBytes, utf8 } from '../common/crypto';
import { AppService } from '../desktop/src/app/app-service';
import { createHandlers } from '../desktop/src/app/handlers';
import { FileKeyVault } from '../desktop/src/core/keys/file-key-vault';
import { readMessage, sendText } from '../mobile-pairing/src/core/chats';
import { receiveFile, sendFileMessage, writeFile } from '../server/test/support/attachment-sender';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { pairDesktop, until } from './support/desktop';
import { seedChats, type SeededChat } from './support/seed';

const MB = 1024 * 1024;

/** A PNG whose tEXt chunk holds `text`: a real image type for the thumbnail check, and a canary in its bytes. */
function pngWithText(text: string): Uint8Array {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  const body = utf8.encode(`Comment\0${text}`);
  const chunk = [0, 0, 0, body.length, ...utf8.encode('tEXt'), ...body, 0, 0, 0, 0];
  return Uint8Array.from([...signature, ...chunk]);
}

/** Every byte of every file under `dir`, as latin1 (for the canary scan). */
function allBytes(dir: string): string {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(dir, f))
    .filter((f) => fs.statSync(f).isFile())
    .map((f) => fs.readFileSync(f).toString('latin1'))
    .join('');
}

/**
 * Files between a phone and the desktop app, through the app's IPC handlers (what the renderer calls): the
 * desktop shows, fetches and verifies a phone's file, finds it by name, refuses a tampered one as damaged;
 * it sends a file with a thumbnail the phone opens; media counts apart in the storage stats and leaves with
 * the budget; and no plaintext byte, file name or thumbnail is in the desktop's data directory.
 */
describe('the desktop app: attachments', () => {
  const canary = `FILECANARY${Date.now()}`;
  const thumbCanary = `THUMBCANARY${Date.now()}`;
  let server: TestServer;
  let dir: string;
  let work: string;
  let app: AppService;
  let call: IpcDispatch;
  let phone: Awaited<ReturnType<typeof signUpPhone>>;
  let chat: SeededChat;
  let other: SeededChat;
  const changes: Array<IpcEventPayload<'attachmentChanged'>> = [];

  const ipc = async <T>(channel: string, payload: unknown): Promise<T> => {
    const result = await call(channel, payload);
    if (!result.ok) throw Object.assign(new Error(result.error.message), { code: result.error.code });
    return result.value as T;
  };
  const refusal = async (channel: string, payload: unknown) => {
    const result = await call(channel, payload);
    if (result.ok) throw new Error(`${channel} was accepted`);
    return result.error;
  };
  const openChat = (chatId: string) => ipc<{ messages: MessageView[] }>('openChat', { chatId });
  const readAll = async (ref: { chatId: string; messageId: string; attachmentId: string }) => {
    const { readerId } = await ipc<{ readerId: string }>('openAttachment', ref);
    const pieces: Buffer[] = [];
    for (;;) {
      const piece = await ipc<{ data: string; done: boolean }>('readAttachment', { readerId });
      pieces.push(Buffer.from(piece.data, 'base64'));
      if (piece.done) return Buffer.concat(pieces);
    }
  };
  const sendFromPhone = async (name: string, bytes: Uint8Array, to = chat) =>
    sendFileMessage(
      phone.api,
      phone.session,
      { baseUrl: server.url },
      to.chatId,
      to.key,
      writeFile(work, `src-${name}`, bytes),
      work,
      { name, mime: 'text/plain' },
    );

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
    phone = await signUpPhone(server, 'filesapp');
    [other, chat] = (await seedChats(server, phone.session, { chats: 2, messagesPerChat: () => 2 })) as [
      SeededChat,
      SeededChat,
    ];
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'symc-app-files-'));
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'symc-app-files-work-'));
    await pairDesktop(server.url, phone, dir);
    app = new AppService({
      serverUrl: server.url,
      dataDir: dir,
      vault: new FileKeyVault(path.join(dir, 'keys')),
      deviceName: 'Files desktop',
      platform: 'linux',
      backoff: { initialMs: 20, maxMs: 200 },
    });
    app.onEvent((event, payload) => {
      if (event === 'attachmentChanged') changes.push(payload as IpcEventPayload<'attachmentChanged'>);
    });
    await app.start();
    call = createIpcDispatch(createHandlers(app));
    await until(() => app.snapshot().sync?.primed === true, 30_000, 'the first sync');
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await server?.stop();
    for (const d of [dir, work]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  it("shows a phone's file, fetches it in the background (live, small), reads it back exactly, and finds it by name", async () => {
    await openChat(chat.chatId);
    const content = utf8.encode(`${canary} secret contents `.repeat(40_000)); // ~1.3 MB, several pieces
    const sent = await sendFromPhone(`${canary}-report.txt`, content);
    let view: MessageView | undefined;
    await until(
      async () => {
        view = (await openChat(chat.chatId)).messages.find((m) => m.messageId === sent.messageId);
        return view?.attachments?.[0]?.state === 'cached';
      },
      20_000,
      'the file fetched in the background',
    );
    expect(view!.attachments![0]).toMatchObject({ name: `${canary}-report.txt`, size: content.length, image: null });
    expect(changes.some((c) => c.attachmentId === sent.ref.id && c.state === 'downloading')).toBe(true);
    const ref = { chatId: chat.chatId, messageId: sent.messageId, attachmentId: sent.ref.id };
    expect(await ipc('attachmentState', ref)).toEqual({ state: 'cached', percent: null });
    expect(Buffer.compare(await readAll(ref), Buffer.from(content))).toBe(0);

    let hits: { results: Array<{ messageId: string | null }> } = { results: [] };
    await until(
      async () => {
        hits = await ipc('search', { query: `${canary}-report` });
        return hits.results.length > 0;
      },
      10_000,
      'the file name in search',
    );
    expect(hits.results.map((h) => h.messageId)).toContain(sent.messageId);
    const { chats } = await ipc<{ chats: Array<{ chatId: string; lastMessage: { text: string } | null }> }>(
      'listChats',
      {},
    );
    expect(chats.find((c) => c.chatId === chat.chatId)!.lastMessage!.text).toBe(`📎 ${canary}-report.txt`);
  }, 60_000);

  it('a file tampered with on the server is shown as damaged, never opened', async () => {
    await ipc('setAutoDownload', { maxBytes: 0 });
    const sent = await sendFromPhone('tampered.bin', randomBytes(300_000));
    const onServer = path.join(server.dataDir, 'attachments', sent.ref.id);
    const bytes = fs.readFileSync(onServer);
    bytes[150_000] = (bytes[150_000] ?? 0) ^ 1;
    fs.writeFileSync(onServer, bytes);
    const ref = { chatId: chat.chatId, messageId: sent.messageId, attachmentId: sent.ref.id };
    await until(async () => (await openChat(chat.chatId)).messages.some((m) => m.messageId === sent.messageId));
    expect(await ipc('attachmentState', ref)).toEqual({ state: 'remote', percent: null });
    expect(await refusal('downloadAttachment', ref)).toMatchObject({ code: 'failed', message: /damaged/ });
    expect(await ipc('attachmentState', ref)).toEqual({ state: 'damaged', percent: null });
    expect(await refusal('openAttachment', ref)).toMatchObject({ message: /damaged/ });
    const shown = (await openChat(chat.chatId)).messages.find((m) => m.messageId === sent.messageId)!;
    expect(shown.attachments![0]!.state).toBe('damaged');
  }, 30_000);

  it('sends a file with a thumbnail that the phone opens; bad pieces and thumbnails are refused', async () => {
    const content = randomBytes(1_200_000);
    const thumbnail = Buffer.from(pngWithText(thumbCanary)).toString('base64url');
    const { uploadId } = await ipc<{ uploadId: string }>('beginAttachment', {
      chatId: chat.chatId,
      name: `${canary}-photo.png`,
      mime: 'image/png',
      size: content.length,
    });
    const piece = 512 * 1024;
    expect(
      await refusal('appendAttachment', {
        uploadId,
        offset: 5,
        data: Buffer.from(content.subarray(0, 10)).toString('base64'),
      }),
    ).toMatchObject({ code: 'invalid_request' });
    for (let offset = 0; offset < content.length; offset += piece) {
      const data = Buffer.from(content.subarray(offset, offset + piece)).toString('base64');
      await ipc('appendAttachment', { uploadId, offset, data });
    }
    // A thumbnail that is not the type it claims is refused, and the send can still finish after.
    const jpegClaim = { width: 640, height: 480, thumbnail, thumbnailMime: 'image/jpeg' };
    expect(await refusal('finishAttachment', { uploadId, text: 'look', image: jpegClaim })).toMatchObject({
      code: 'invalid_request',
      message: /not a image\/jpeg image/,
    });
    const image = { width: 640, height: 480, thumbnail, thumbnailMime: 'image/png' };
    const { messageId } = await ipc<{ messageId: string }>('finishAttachment', { uploadId, text: 'look', image });
    expect(changes.some((c) => c.messageId === messageId && c.state === 'uploading')).toBe(true);

    const shown = (await openChat(chat.chatId)).messages.find((m) => m.messageId === messageId)!;
    expect(shown).toMatchObject({ mine: true, text: 'look' });
    expect(shown.attachments![0]).toMatchObject({
      state: 'cached', // the sender keeps the blob it sealed
      image: {
        width: 640,
        height: 480,
        thumbnail: `data:image/png;base64,${Buffer.from(thumbnail, 'base64url').toString('base64')}`,
      },
    });

    const record = (
      await phone.api.call('listMessages', { params: { chatId: chat.chatId }, query: { limit: 50 } })
    ).messages.find((m) => m.messageId === messageId)!;
    const body = readMessage(record, chat.key);
    const ref = body.attachments![0]!;
    expect(ref).toMatchObject({ name: `${canary}-photo.png`, mime: 'image/png', size: content.length });
    expect(ref.image).toEqual({ width: 640, height: 480, thumbnail, thumbnailMime: 'image/png' });
    const plain = await receiveFile(
      { baseUrl: server.url, accessToken: () => phone.session.tokens.accessToken },
      { ref, context: { chatId: chat.chatId, messageId, attachmentId: ref.id } },
      work,
    );
    expect(Buffer.compare(fs.readFileSync(plain), Buffer.from(content))).toBe(0);
  }, 60_000);

  it('leaves no plaintext byte, file name or thumbnail in the data directory', async () => {
    const bytes = allBytes(dir);
    expect(fs.readdirSync(path.join(dir, 'attachments')).filter((f) => f.endsWith('.blob')).length).toBeGreaterThan(0);
    for (const word of [canary, thumbCanary, 'secret contents', Buffer.from(thumbCanary).toString('base64url')])
      expect(bytes.includes(word)).toBe(false);
  }, 30_000);
  it('counts media apart, keeps it within what the budget leaves, and drops it with an evicted chat', async () => {
    const blobs = () =>
      fs
        .readdirSync(path.join(dir, 'attachments'))
        .filter((f) => f.endsWith('.blob'))
        .reduce((sum, f) => sum + fs.statSync(path.join(dir, 'attachments', f)).size, 0);
    const before = await ipc<StorageView>('getStorage', {});
    expect(before.mediaBytes).toBe(blobs());
    expect(before.mediaBytes).toBeGreaterThan(2 * MB);
    expect(before.autoDownloadBytes).toBe(0);

    const small = await ipc<StorageView>('setBudget', { maxChats: 10, maxBytes: 2 * MB });
    expect(small.chats).toBe(2);
    expect(small.mediaBytes).toBeGreaterThan(0);
    expect(small.mediaBytes!).toBeLessThanOrEqual(2 * MB - small.bytes);
    expect(small.mediaBytes).toBe(blobs());

    // The chat with the files is the least recently updated once the other one gets a message.
    await ipc('closeChat', {});
    await sendText(phone.api, phone.session, other.chatId, other.key, 'newer');
    await until(async () => (await openChat(other.chatId)).messages.some((m) => m.text === 'newer'));
    await ipc('closeChat', {});
    const one = await ipc<StorageView>('setBudget', { maxChats: 1, maxBytes: 50 * MB });
    expect(one.chats).toBe(1);
    expect(one.mediaBytes).toBe(0);
    expect(blobs()).toBe(0);
  }, 30_000);

  it('signing out deletes every cached blob', async () => {
    await ipc('setAutoDownload', { maxBytes: MB });
    // Not opened: fetched because it is small and arrived live.
    await sendFromPhone('last.txt', randomBytes(1000), other);
    await until(
      () => fs.readdirSync(path.join(dir, 'attachments')).some((f) => f.endsWith('.blob')),
      10_000,
      'the live file fetched in the background',
    );
    await ipc('signOut', {});
    await until(
      () => !fs.existsSync(path.join(dir, 'attachments')) || fs.readdirSync(path.join(dir, 'attachments')).length === 0,
      10_000,
      'the cache wiped',
    );
  }, 30_000);
});
