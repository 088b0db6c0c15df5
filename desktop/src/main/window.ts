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
      // The sandboxed preload exposes exactly the typed contract (window.symc, common/contract/ipc.ts): no
      // generic ipcRenderer pipe, no Node API. Electronegativity asks for a review of every preload:
      preload: path.resolve(preloadFile), // eng-disable PRELOAD_JS_CHECK reviewed as above
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: true,
      // No middle-click (auxclick) path to opening links: every link is handled by the two guards below.
      disableBlinkFeatures: 'Auxclick',
    },
  });

  const contents = window.webContents;
  contents.setWindowOpenHandler(({ url }) => {
    // Only https: reaches the OS (never file:, smb: or a scheme that launches a program), as the parsed URL.
    const external = httpsUrl(url);
    if (external) void shell.openExternal(external); // eng-disable OPEN_EXTERNAL_JS_CHECK https only, see above
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

/** The URL, normalised, when it is an https: link; null for anything else (or unparsable). */
export function httpsUrl(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}
