import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { type ChatListEntry, createIpcDispatch, type IpcDispatch, type MessageView } from '../common/contract';
import { type ChatKey, initCrypto } from '../common/crypto';
import { AppService } from '../desktop/src/app/app-service';
import { createHandlers } from '../desktop/src/app/handlers';
import { DesktopCore } from '../desktop/src/core/desktop-core';
import { FileKeyVault } from '../desktop/src/core/keys/file-key-vault';
import { chatKeyFor, sendText, startChat } from '../mobile-pairing/src/core/chats';
import { sendFileMessage, writeFile } from '../server/test/support/attachment-sender';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { pairDesktop, until } from './support/desktop';

type Phone = Awaited<ReturnType<typeof signUpPhone>>;

interface Desktop {
  readonly dir: string;
  readonly app: AppService;
  readonly ipc: <T>(channel: string, payload: unknown) => Promise<T>;
}

/**
 * "Delete chat for me" really removes, on two desktops of one account (docs/MESSAGES.md "Delete chat for
 * me"): the chat's rows, their ciphertext (in the file and its WAL), its search entries, its draft and its
 * cached attachment blobs leave the desktop that deleted and the one the deletion reached by sync; a message
 * after the deletion brings the chat back with only itself; a desktop linked afterwards never stores the
 * deleted messages, and paging older history from the server doesn't bring them back.
 */
describe('delete chat for me purges the desktops of the account', () => {
  const canary = `ZEBRACANARY${Date.now()}`;
  const later = `OKAPICANARY${Date.now()}`;
  let server: TestServer;
  let alice: Phone;
  let bob: Phone;
  let chatId: string;
  let keptChatId: string;
  let bobsKey: ChatKey;
  let work: string;
  const desktops: Desktop[] = [];
  const ciphertexts: string[] = [];

  const openApp = async (name: string): Promise<Desktop> => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `symc-purge-${name}-`));
    await pairDesktop(server.url, alice, dir);
    const app = new AppService({
      serverUrl: server.url,
      dataDir: dir,
      vault: new FileKeyVault(path.join(dir, 'keys')),
      deviceName: name,
      platform: 'linux',
      backoff: { initialMs: 20, maxMs: 200 },
    });
    await app.start();
    const call: IpcDispatch = createIpcDispatch(createHandlers(app));
    const ipc = async <T>(channel: string, payload: unknown): Promise<T> => {
      const result = await call(channel, payload);
      if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
      return result.value as T;
    };
    await until(() => app.snapshot().sync?.primed === true, 30_000, `${name}'s first sync`);
    const desktop = { dir, app, ipc };
    desktops.push(desktop);
    return desktop;
  };
  /** The chat's rows in the desktop's store, read from the file by another connection. */
  const rowsOf = (desktop: Desktop, chat = chatId): number => {
    const db = new Database(DesktopCore.databaseFile(desktop.dir), { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM messages WHERE chat_id = ?').get(chat) as { n: number }).n;
    } finally {
      db.close();
    }
  };
  /** Every byte of the store's file and its WAL. */
  const storeBytes = (desktop: Desktop): string =>
    ['', '-wal']
      .map((suffix) => DesktopCore.databaseFile(desktop.dir) + suffix)
      .filter((file) => fs.existsSync(file))
      .map((file) => fs.readFileSync(file).toString('latin1'))
      .join('');
  /** A piece of each deleted message's ciphertext (its AEAD part) found in the store's bytes. */
  const leftovers = (desktop: Desktop): string[] => {
    const bytes = storeBytes(desktop);
    return ciphertexts.map((c) => c.split('.')[2]!.slice(0, 40)).filter((piece) => bytes.includes(piece));
  };
  const hitsIn = async (desktop: Desktop, query: string) =>
    (await desktop.ipc<{ results: Array<{ chatId: string }> }>('search', { query })).results.map((r) => r.chatId);
  const listed = async (desktop: Desktop) =>
    (await desktop.ipc<{ chats: ChatListEntry[] }>('listChats', {})).chats.find((c) => c.chatId === chatId);
  const blobsOf = (desktop: Desktop) => {
    const dir = DesktopCore.attachmentsDir(desktop.dir);
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.startsWith(chatId)) : [];
  };
  const fromBob = (text: string, chat = chatId) => sendText(bob.api, bob.session, chat, bobsKey, text);

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
    alice = await signUpPhone(server, 'purgealice');
    bob = await signUpPhone(server, 'purgebob');
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'symc-purge-work-'));
    ({
      chat: { chatId },
    } = await startChat(alice.api, alice.session, { title: 'To delete', memberUsernames: [bob.session.username] }));
    ({
      chat: { chatId: keptChatId },
    } = await startChat(alice.api, alice.session, { title: 'To keep', memberUsernames: [bob.session.username] }));
    bobsKey = await chatKeyFor(bob.api, bob.session, await bob.api.call('getChat', { params: { chatId } }));
    const keptKey = await chatKeyFor(
      bob.api,
      bob.session,
      await bob.api.call('getChat', { params: { chatId: keptChatId } }),
    );
    for (let i = 0; i < 3; i++) await fromBob(`${canary} number ${i}`);
    await sendText(bob.api, bob.session, keptChatId, keptKey, `${canary} in the chat that stays`);
    const { messages } = await alice.api.call('listMessages', { params: { chatId }, query: {} });
    ciphertexts.push(...messages.map((m) => m.ciphertext));
  }, 60_000);
  afterAll(async () => {
    for (const desktop of desktops) await desktop.app.stop().catch(() => undefined);
    await server?.stop();
    for (const dir of [...desktops.map((d) => d.dir), work]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the deleting desktop and the synced one lose the rows, their bytes, the search hits, the draft and the files', async () => {
    const [a, b] = [await openApp('Desktop A'), await openApp('Desktop B')];
    for (const desktop of [a, b]) {
      await until(async () => (await hitsIn(desktop, canary)).includes(chatId), 15_000, 'the index built');
      expect(rowsOf(desktop)).toBe(3);
    }
    // A small file arriving live is fetched into each desktop's attachment cache.
    const file = writeFile(work, 'notes.txt', new TextEncoder().encode('a few private notes'));
    const sent = await sendFileMessage(bob.api, bob.session, { baseUrl: server.url }, chatId, bobsKey, file, work, {
      name: 'notes.txt',
      mime: 'text/plain',
    });
    const { messages } = await alice.api.call('listMessages', { params: { chatId }, query: {} });
    ciphertexts.push(messages.find((m) => m.messageId === sent.messageId)!.ciphertext);
    for (const desktop of [a, b]) await until(() => blobsOf(desktop).length === 1, 15_000, 'the file cached');
    await a.ipc('openChat', { chatId });
    await a.ipc('saveDraft', { chatId, text: 'an unsent thought' });
    await until(
      async () => (await b.ipc<{ draft: string }>('openChat', { chatId })).draft !== '',
      15_000,
      'the draft on B',
    );
    await b.ipc('closeChat', {});
    await a.ipc('closeChat', {});

    await a.ipc('deleteChatForMe', { chatId });

    await until(() => rowsOf(b) === 0, 15_000, 'the deletion purging B');
    for (const desktop of [a, b]) {
      expect(rowsOf(desktop)).toBe(0);
      expect(leftovers(desktop)).toEqual([]);
      expect(await hitsIn(desktop, canary)).toEqual([keptChatId]);
      expect(await hitsIn(desktop, 'To delete')).toEqual([]);
      expect((await listed(desktop))?.deletedForMe).toBe(true);
      await until(() => blobsOf(desktop).length === 0, 10_000, 'the cached file removed');
      await until(
        async () => (await desktop.ipc<{ draft: string }>('openChat', { chatId })).draft === '',
        10_000,
        'the draft gone',
      );
      await desktop.ipc('closeChat', {});
      expect(rowsOf(desktop, keptChatId)).toBe(1);
    }
    // The server's copy of the draft went too (an empty draft is a delete).
    const drafts = await alice.api.call('listDrafts', {});
    expect(drafts.drafts.filter((d) => d.chatId === chatId && d.ciphertext !== null)).toEqual([]);
  }, 90_000);

  it('a message after the deletion brings the chat back with only itself, searchable again', async () => {
    const { messageId } = await fromBob(`${later} after the deletion`);
    for (const desktop of desktops) {
      await until(async () => (await listed(desktop))?.deletedForMe === false, 15_000, 'the chat back');
      const page = await desktop.ipc<{ messages: MessageView[] }>('openChat', { chatId });
      expect(page.messages.map((m) => m.messageId)).toEqual([messageId]);
      await desktop.ipc('closeChat', {});
      await until(async () => (await hitsIn(desktop, later)).includes(chatId), 10_000, 'the new message indexed');
      expect(await hitsIn(desktop, canary)).toEqual([keptChatId]);
      expect(rowsOf(desktop)).toBe(1);
    }
  }, 60_000);

  it('a desktop linked afterwards never stores the deleted messages, and paging back does not bring them', async () => {
    const c = await openApp('Desktop C');
    expect(rowsOf(c)).toBe(1);
    expect(leftovers(c)).toEqual([]);
    const older = await c.app.linked().core.history.fetchOlder(chatId, 100);
    expect(older).toMatchObject({ stored: [], refused: [], complete: true, error: null });
    expect(rowsOf(c)).toBe(1);
    expect(await hitsIn(c, canary)).toEqual([keptChatId]);
    // A's paging back likewise (its chat was complete already; asked anyway, nothing comes back).
    expect((await desktops[0]!.app.linked().core.history.fetchOlder(chatId, 100)).stored).toEqual([]);
    expect(rowsOf(desktops[0]!)).toBe(1);
  }, 60_000);
});
