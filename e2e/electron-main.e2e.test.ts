import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initCrypto } from '../common/crypto';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { until } from './support/desktop';
import { ensureDesktopBuild } from './support/desktop-app';
import { createElectronStandIn, type ElectronStandIn, type StandInWindow } from './support/electron-stand-in';

const MAIN_BUNDLE = path.resolve(__dirname, '../desktop/dist/main/main.js');

/**
 * The BUILT Electron main bundle (desktop/dist/main/main.js, what the installers ship) loaded under Node
 * with a recording stand-in for `electron` (e2e/support/electron-stand-in.ts) — the Electron runtime
 * can't be downloaded here. It runs main's real wiring against the real server and core: start-up order,
 * hardened window options, IPC answered only for our own window's main frame, the app:// protocol with
 * its CSP, navigation guards, symc:// links, and a clean quit.
 */
describe('Electron main (built bundle) under a stand-in for electron', () => {
  let server: TestServer;
  let userData: string;
  let electron: ElectronStandIn;
  let win: StandInWindow;
  const frameOf = (url: string, parent: unknown = null) => ({ sender: win.webContents, senderFrame: { url, parent } });
  const invoke = (channel: string, event: unknown, payload: unknown = {}) =>
    electron.ipcHandlers.get(`symc:${channel}`)!(event, payload);
  const serve = (url: string) => electron.protocolHandlers.get('app')!({ url } as Request);

  beforeAll(async () => {
    ensureDesktopBuild();
    await initCrypto();
    server = await startTestServer();
    userData = mkdtempSync(path.join(os.tmpdir(), 'symc-electron-main-'));
    process.env['SYMC_SERVER_URL'] = server.url;
    electron = createElectronStandIn(userData);
    jest.doMock('electron', () => electron.module, { virtual: false });
    // The built bundle must load after doMock, inside jest's module registry: only require() does that.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(MAIN_BUNDLE);
  }, 240_000);

  afterAll(async () => {
    delete process.env['SYMC_SERVER_URL'];
    await server?.stop();
    rmSync(userData, { recursive: true, force: true });
  });

  it('before ready: sandbox for every renderer, app:// registered as a secure standard scheme, single instance, symc:// handler', () => {
    expect(electron.app.calls).toEqual([
      'enableSandbox',
      'requestSingleInstanceLock',
      'setAsDefaultProtocolClient:symc',
    ]);
    expect(electron.privilegedSchemes).toEqual([
      { scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) },
    ]);
    expect(electron.windows).toHaveLength(0);
  });

  it('on ready: one hardened window on app://symc, IPC for every contract channel', async () => {
    electron.app.ready();
    await until(() => electron.windows.length === 1, 20_000, 'the main window');
    win = electron.windows[0]!;
    expect(win.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      disableBlinkFeatures: 'Auxclick',
    });
    expect(win.loadedUrl).toBe('app://symc/index.html');
    expect([...electron.ipcHandlers.keys()]).toEqual(
      expect.arrayContaining(['symc:getState', 'symc:startPairing', 'symc:sendMessage', 'symc:signOut']),
    );
  });

  it('answers IPC from our window’s main frame only, and validates what it is sent', async () => {
    await expect(invoke('getState', frameOf('app://symc/index.html'))).resolves.toMatchObject({
      ok: true,
      value: { screen: 'pairing' },
    });
    for (const event of [
      frameOf('https://evil.example/'),
      frameOf('app://symc/index.html', { url: 'app://symc/index.html' }), // a subframe
      { sender: { id: -1 }, senderFrame: { url: 'app://symc/index.html', parent: null } }, // another webContents
    ]) {
      await expect(invoke('getState', event)).resolves.toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    await expect(invoke('openChat', frameOf('app://symc/index.html'), { chatId: 'not-a-uuid' })).resolves.toMatchObject(
      { ok: false, error: { code: 'invalid_request' } },
    );
  });

  it('pairing started over IPC pushes its QR to the window', async () => {
    await expect(invoke('startPairing', frameOf('app://symc/index.html'))).resolves.toMatchObject({ ok: true });
    await until(
      () =>
        win.webContents.sent.some(
          (m) =>
            m.channel === 'symc:event' &&
            (m.payload as { event: string; payload: { kind?: string } }).payload.kind === 'showing',
        ),
      20_000,
      'the pairing QR event',
    );
  });

  it('serves the renderer from app:// with the CSP, and nothing outside it', async () => {
    const page = await serve('app://symc/index.html');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self';/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    for (const url of [
      'app://symc/../../package.json',
      'app://symc/%2e%2e/%2e%2e/package.json',
      'app://symc/%E0',
      'app://other/index.html',
    ]) {
      expect([url, (await serve(url)).status]).toEqual([url, 404]);
    }
  });

  it('blocks navigation away from the app and every window.open', () => {
    const away = jest.fn();
    win.webContents.emit('will-navigate', { preventDefault: away }, 'https://evil.example/');
    expect(away).toHaveBeenCalled();
    const inside = jest.fn();
    win.webContents.emit('will-navigate', { preventDefault: inside }, 'app://symc/index.html#settings');
    expect(inside).not.toHaveBeenCalled();
    expect(win.webContents.windowOpenHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
  });

  it('hands only https: links to the OS, parsed and normalised (never file:, smb:, javascript: or app schemes)', () => {
    electron.openedExternally.length = 0;
    for (const url of [
      'HTTPS://Example.COM/a b',
      'file:///etc/passwd',
      'smb://host/share',
      'javascript:alert(1)',
      'ms-settings:',
      'http://example.com/',
      'not a url',
    ]) {
      expect(win.webContents.windowOpenHandler!({ url })).toEqual({ action: 'deny' });
    }
    expect(electron.openedExternally).toEqual(['https://example.com/a%20b']);
  });

  it('a symc:// link from a second instance reaches the window; quitting stops the core first', async () => {
    electron.app.emit('second-instance', {}, ['symc', 'symc://pair?v=1&id=abc']);
    expect(win.webContents.sent.some((m) => (m.payload as { event: string }).event === 'linkOpened')).toBe(true);
    const prevented = jest.fn();
    electron.app.emit('before-quit', { preventDefault: prevented });
    expect(prevented).toHaveBeenCalled(); // waits for the core to close the database cleanly…
    await until(() => electron.app.calls.includes('quit'), 20_000, 'the quit after the core stopped'); // …then quits
  });
});
