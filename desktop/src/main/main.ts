/**
 * Electron main: the thin shell. It owns the window, the OS integrations (single instance, symc:// links,
 * keychain, notifications, menu, auto-update) and plugs the plain-Node AppService into IPC. Everything
 * else — pairing, sync, storage, search — is the app service's, exactly as in the headless host.
 */
import os from 'node:os';
import path from 'node:path';
import { app, type BrowserWindow } from 'electron';
import { AppService } from '../app/app-service';
import { LocalStore } from '../core/store/local-store';
import { EncryptedSearchIndex } from '../core/search/encrypted-search-index';
import { type AutoUpdates, startAutoUpdates } from './auto-update';
import { LINK_SCHEME, symcLinkFrom } from './deep-links';
import { developmentAddon } from './electron-native';
import { registerIpc } from './ipc-main';
import { installMenu } from './menu';
import { notifyIncoming } from './notifications';
import { registerAppScheme, serveRenderer } from './renderer-protocol';
import { SafeStorageKeyVault } from './safe-storage-key-vault';
import { saveDialog } from './save-dialog';
import { createMainWindow } from './window';

const SERVER_URL = (process.env['SYMC_SERVER_URL'] ?? 'http://127.0.0.1:8787').replace(/\/$/, '');
const RENDERER_DIR = path.join(__dirname, '../renderer');
const PRELOAD_FILE = path.join(__dirname, '../preload/preload.js');

let window: BrowserWindow | null = null;
let service: AppService | null = null;
let updates: AutoUpdates | null = null;
let pendingLink: string | null = symcLinkFrom(process.argv);
let quitting = false;

function handleLink(url: string): void {
  if (service) service.linkOpened(url);
  else pendingLink = url;
}

function showWindow(): void {
  if (!service) return;
  if (!window || window.isDestroyed()) {
    window = createMainWindow(PRELOAD_FILE);
    window.on('closed', () => (window = null));
  }
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

async function ready(): Promise<void> {
  // Unpackaged Electron loads the better-sqlite3 build `npm start` prepared for its ABI; Node's stays for tests.
  LocalStore.nativeBinding = developmentAddon({
    isPackaged: app.isPackaged,
    electronVersion: process.versions['electron'],
    appRoot: app.getAppPath(),
  });
  EncryptedSearchIndex.nativeBinding = developmentAddon(
    { isPackaged: app.isPackaged, electronVersion: process.versions['electron'], appRoot: app.getAppPath() },
    'better-sqlite3-multiple-ciphers',
  );
  serveRenderer(RENDERER_DIR);
  const dataDir = app.getPath('userData');
  updates = startAutoUpdates({ onStatus: (status) => service?.updateStatusChanged(status) });
  service = new AppService({
    serverUrl: SERVER_URL,
    dataDir,
    vault: new SafeStorageKeyVault(path.join(dataDir, 'keys')),
    deviceName: os.hostname().slice(0, 64) || 'Desktop',
    platform: process.platform === 'darwin' ? 'macos' : process.platform === 'win32' ? 'windows' : 'linux',
    updates,
    chooseSavePath: saveDialog(() => window),
  });
  await service.start();
  registerIpc(service, () => window);
  service.onIncoming((incoming) => notifyIncoming(window, incoming));
  installMenu({ checkForUpdates: () => updates?.checkNow() });
  showWindow();
  if (pendingLink) handleLink(pendingLink);
  pendingLink = null;
}

// Before 'ready': every renderer sandboxed, and app:// registered as a secure standard scheme.
app.enableSandbox();
registerAppScheme();

if (!app.requestSingleInstanceLock()) {
  // Another instance runs: it receives our argv (and any symc:// link) through 'second-instance'.
  app.quit();
} else {
  // symc:// links carry only pairing links: deep-links.ts accepts a bounded symc:// string and main passes it
  // to the renderer, which explains that pairing happens on the phone — nothing is opened, loaded or run.
  if (process.defaultApp && process.argv[1])
    app.setAsDefaultProtocolClient(LINK_SCHEME, process.execPath, [path.resolve(process.argv[1])]); // eng-disable PROTOCOL_HANDLER_JS_CHECK see above
  else app.setAsDefaultProtocolClient(LINK_SCHEME); // eng-disable PROTOCOL_HANDLER_JS_CHECK see above

  app.on('second-instance', (_event, argv) => {
    showWindow();
    const link = symcLinkFrom(argv);
    if (link) handleLink(link);
  });
  app.on('open-url', (event, url) => {
    event.preventDefault();
    handleLink(url);
  });
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  app.on('activate', showWindow);
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  // Stop syncing and close the database cleanly before exiting.
  app.on('before-quit', (event) => {
    if (quitting || !service) return;
    event.preventDefault();
    quitting = true;
    updates?.stop();
    void service.stop().finally(() => app.quit());
  });

  // One sentence for the user (e.g. better-sqlite3 not prepared for this Electron); the stack with SYMC_DEBUG=1.
  app
    .whenReady()
    .then(ready)
    .catch((error: unknown) => {
      console.error(`Symc failed to start: ${error instanceof Error ? error.message : String(error)}`);
      if (process.env['SYMC_DEBUG']) console.error(error);
      app.exit(1);
    });
}
