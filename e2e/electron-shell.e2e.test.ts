import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PairingView } from '../common/contract';
import { initCrypto } from '../common/crypto';
import { chatKeyFor, sendText, startChat } from '../mobile-pairing/src/core/chats';
import { approvePairing, lookupPairing, parsePairingInput } from '../mobile-pairing/src/core/pairing';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { until } from './support/desktop';
import { ensureDesktopBuild } from './support/desktop-app';
import { createElectronStandIn, type ElectronStandIn, type StandInWindow } from './support/electron-stand-in';

const MAIN_BUNDLE = path.resolve(__dirname, '../desktop/dist/main/main.js');

/**
 * The built main bundle under the stand-in for `electron`, linked for real (QR link + check code read from
 * the events main pushes to its window, approved by the phone library against the real server): the keys it
 * stores go through the encrypting stand-in safeStorage; a message from someone else becomes a native
 * notification only when the preferences allow it and the window is not focused; a second launch hands over
 * to the running instance (window focused, symc:// links passed on, on Windows/Linux by argv and on macOS by
 * open-url). There is no per-chat mute in Symc yet, so none is tested.
 */
describe('Electron shell: keychain, notifications, single instance (built main, stand-in electron)', () => {
  let server: TestServer;
  let userData: string;
  let electron: ElectronStandIn;
  let win: StandInWindow;
  let phone: Awaited<ReturnType<typeof signUpPhone>>;
  let friend: Awaited<ReturnType<typeof signUpPhone>>;
  let chatId: string;
  const main = { sender: () => win.webContents, frame: { url: 'app://symc/index.html', parent: null } };
  const invoke = (channel: string, payload: unknown = {}) =>
    electron.ipcHandlers.get(`symc:${channel}`)!(
      { sender: main.sender(), senderFrame: main.frame },
      payload,
    ) as Promise<{ ok: boolean; value?: unknown }>;
  // The events the app pushed to the window (each test narrows the payload it reads).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Pushed = { event: string; payload: any };
  const events = (name: string) =>
    win.webContents.sent
      .filter((m) => m.channel === 'symc:event')
      .map((m) => m.payload as Pushed)
      .filter((e) => e.event === name)
      .map((e) => e.payload);

  /** The friend sends `text`; resolves once the desktop has shown it (so its notification decision is made). */
  async function friendSays(text: string): Promise<void> {
    const key = await chatKeyFor(friend.api, friend.session, await friend.api.call('getChat', { params: { chatId } }));
    const { messageId } = await sendText(friend.api, friend.session, chatId, key, text);
    await until(
      () => events('messagesChanged').some((e) => e.chatId === chatId && e.messageIds.includes(messageId)),
      15_000,
      `"${text}" on the desktop`,
    );
  }

  beforeAll(async () => {
    ensureDesktopBuild();
    await initCrypto();
    server = await startTestServer();
    phone = await signUpPhone(server, 'shellphone');
    friend = await signUpPhone(server, 'shellfriend');
    ({
      chat: { chatId },
    } = await startChat(phone.api, phone.session, { title: 'Us two', memberUsernames: [friend.session.username] }));
    userData = mkdtempSync(path.join(os.tmpdir(), 'symc-electron-shell-'));
    process.env['SYMC_SERVER_URL'] = server.url;
    electron = createElectronStandIn(userData);
    jest.doMock('electron', () => electron.module);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after jest.doMock, so it sees the stand-in
    require(MAIN_BUNDLE);
    electron.app.ready();
    await until(() => electron.windows.length === 1, 20_000, 'the main window');
    win = electron.windows[0]!;

    // Link through the app's own pairing: the QR's link and check code, as the window receives them.
    expect(await invoke('startPairing')).toMatchObject({ ok: true });
    await until(() => events('pairingState').some((p: PairingView) => p.kind === 'showing'), 20_000, 'the QR');
    const showing = events('pairingState').find((p: PairingView) => p.kind === 'showing') as Extract<
      PairingView,
      { kind: 'showing' }
    >;
    const pending = await lookupPairing(phone.api, parsePairingInput(showing.link));
    await approvePairing(phone.api, phone.session, pending, showing.checkCode);
    await until(() => events('appState').some((s) => s.screen === 'main'), 20_000, 'the linked app');
    await until(() => events('syncProgress').some((s) => s.primed || s.mode === 'live'), 30_000, 'the first sync');
  }, 240_000);

  afterAll(async () => {
    electron?.app.emit('before-quit', { preventDefault: () => undefined });
    await until(() => electron.app.calls.includes('quit'), 20_000, 'the quit').catch(() => undefined);
    delete process.env['SYMC_SERVER_URL'];
    await server?.stop();
    rmSync(userData, { recursive: true, force: true });
  });

  it('stores the linked device’s keys through safeStorage: ciphertext files that only the keychain opens', () => {
    const keysDir = path.join(userData, 'keys');
    const files = readdirSync(keysDir).sort();
    expect(files).toEqual(expect.arrayContaining(['credentials.sealed', 'master-key.sealed']));
    const sealed = readFileSync(path.join(keysDir, 'credentials.sealed'));
    expect(sealed.toString('latin1')).not.toContain(phone.session.username);
    const opened = Buffer.from(electron.safeStorage.decryptString(sealed), 'base64').toString('utf8');
    expect(opened).toContain(phone.session.username);
  });

  it('no notification while the window is focused', async () => {
    win.focused = true;
    const before = electron.notifications.length;
    await friendSays('seen in the open window');
    expect(electron.notifications.length).toBe(before);
  });

  it('a message from someone else, window unfocused → a native notification; clicking it brings the window back', async () => {
    win.focused = false;
    win.minimized = true;
    await friendSays('hello from the friend');
    const shown = electron.notifications.at(-1)!;
    expect(shown).toMatchObject({
      shown: true,
      options: { title: 'Us two', body: `${friend.session.username}: hello from the friend` },
    });
    win.calls.length = 0;
    shown.emit('click');
    expect(win.calls).toEqual(['restore', 'show', 'focus']);
  });

  it('my own message (sent from my phone) is not notified', async () => {
    win.focused = false;
    const before = electron.notifications.length;
    const key = await chatKeyFor(phone.api, phone.session, await phone.api.call('getChat', { params: { chatId } }));
    const { messageId } = await sendText(phone.api, phone.session, chatId, key, 'written on my phone');
    await until(
      () => events('messagesChanged').some((e) => e.messageIds.includes(messageId)),
      15_000,
      'my message on the desktop',
    );
    expect(electron.notifications.length).toBe(before);
  });

  it('preferences decide: "none" silences everything, "mentions" only messages naming me', async () => {
    win.focused = false;
    expect(await invoke('setPreferences', { notifications: 'none' })).toMatchObject({
      ok: true,
      value: { notifications: 'none' },
    });
    let before = electron.notifications.length;
    await friendSays('nobody hears this');
    expect(electron.notifications.length).toBe(before);

    expect(await invoke('setPreferences', { notifications: 'mentions' })).toMatchObject({ ok: true });
    before = electron.notifications.length;
    await friendSays('a message about nothing');
    expect(electron.notifications.length).toBe(before);
    await friendSays(`look @${phone.session.username}`);
    expect(electron.notifications.length).toBe(before + 1);
    expect(electron.notifications.at(-1)!.options.body).toContain(`@${phone.session.username}`);
    await invoke('setPreferences', { notifications: 'all' });
  });

  it('a second launch (Windows/Linux) focuses the running window and hands over its symc:// link', () => {
    win.focused = false;
    win.minimized = true;
    win.calls.length = 0;
    const links = events('linkOpened').length;
    electron.app.emit('second-instance', {}, ['/opt/Symc/symc', '--no-sandbox', 'symc://pair?v=1&id=second']);
    expect(win.calls).toEqual(['restore', 'show', 'focus']);
    expect(events('linkOpened').slice(links)).toEqual([{ url: 'symc://pair?v=1&id=second' }]);

    win.calls.length = 0;
    electron.app.emit('second-instance', {}, ['/opt/Symc/symc']); // plain second launch: focus only
    expect(win.calls).toEqual(['show', 'focus']);
    expect(events('linkOpened')).toHaveLength(links + 1);
  });

  it('a symc:// link on macOS (open-url) opens in the running app; the default handling is prevented', () => {
    const links = events('linkOpened').length;
    const preventDefault = jest.fn();
    electron.app.emit('open-url', { preventDefault }, 'symc://pair?v=1&id=mac');
    expect(preventDefault).toHaveBeenCalled();
    expect(events('linkOpened').slice(links)).toEqual([{ url: 'symc://pair?v=1&id=mac' }]);
  });

  it("on Linux with only 'basic_text', pairing ends with the keychain message on the pairing screen and no key on disk", async () => {
    const bareData = mkdtempSync(path.join(os.tmpdir(), 'symc-electron-basic-'));
    const bare = createElectronStandIn(bareData, { storageBackend: 'basic_text' });
    try {
      const other = await signUpPhone(server, 'barephone');
      jest.resetModules(); // another process: its own main, its own electron
      jest.doMock('electron', () => bare.module);
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after jest.doMock, so it sees the stand-in
      require(MAIN_BUNDLE);
      bare.app.ready();
      await until(() => bare.windows.length === 1, 20_000, 'the window');
      const bareWin = bare.windows[0]!;
      const pairing = () =>
        bareWin.webContents.sent
          .map((m) => m.payload as { event: string; payload: PairingView })
          .filter((e) => e.event === 'pairingState')
          .map((e) => e.payload);
      await bare.ipcHandlers.get('symc:startPairing')!({ sender: bareWin.webContents, senderFrame: main.frame }, {});
      await until(() => pairing().some((p) => p.kind === 'showing'), 20_000, 'the QR');
      const showing = pairing().find((p) => p.kind === 'showing') as Extract<PairingView, { kind: 'showing' }>;
      await approvePairing(
        other.api,
        other.session,
        await lookupPairing(other.api, parsePairingInput(showing.link)),
        showing.checkCode,
      );
      await until(() => pairing().some((p) => p.kind === 'failed'), 20_000, 'the refusal');
      expect(pairing().find((p) => p.kind === 'failed')).toMatchObject({
        message: expect.stringContaining("this Linux session has no keychain (Electron offers only 'basic_text'"),
      });
      expect(readdirSync(bareData).includes('keys') ? readdirSync(path.join(bareData, 'keys')) : []).toEqual([]);
    } finally {
      bare.app.emit('before-quit', { preventDefault: () => undefined });
      await until(() => bare.app.calls.includes('quit'), 20_000, 'the quit').catch(() => undefined);
      rmSync(bareData, { recursive: true, force: true });
    }
  });

  it('the second process itself (lock not granted) quits at once: no window, no store, no protocol registration', async () => {
    const secondData = mkdtempSync(path.join(os.tmpdir(), 'symc-electron-second-'));
    try {
      const second = createElectronStandIn(secondData, { singleInstanceLock: false });
      jest.resetModules(); // a fresh module registry, as a second process has (the first main keeps its own)
      jest.doMock('electron', () => second.module);
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after jest.doMock, so it sees the stand-in
      require(MAIN_BUNDLE);
      second.app.ready();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(second.app.calls).toEqual(['enableSandbox', 'requestSingleInstanceLock', 'quit']);
      expect(second.windows).toHaveLength(0);
      expect(readdirSync(secondData)).toEqual([]);
    } finally {
      rmSync(secondData, { recursive: true, force: true });
    }
  });
});
