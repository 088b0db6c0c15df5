import path from 'node:path';
import { BrowserWindow, shell } from 'electron';
import { APP_URL, isAppUrl } from './renderer-protocol';

/**
 * The one window, hardened along Electron's security checklist: context isolation, the renderer
 * sandboxed, no Node integration, no webview, no navigation away from the app and no new windows
 * (http(s) links open in the system browser instead), permission requests denied.
 */
export function createMainWindow(preloadFile: string): BrowserWindow {
  const window = new BrowserWindow({
    width: 1180,
    height: 780,
    minWidth: 760,
    minHeight: 520,
    title: 'Symc',
    show: false,
    backgroundColor: '#f4f5f7',
    webPreferences: {
      preload: path.resolve(preloadFile),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: true,
    },
  });

  const contents = window.webContents;
  contents.setWindowOpenHandler(({ url }) => {
    if (/^https:\/\//i.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  contents.session.setPermissionCheckHandler(() => false);

  window.once('ready-to-show', () => window.show());
  void window.loadURL(APP_URL);
  return window;
}
