import { EventEmitter } from 'node:events';
import http from 'node:http';
import { decryptText, encryptText, generateMasterKey, type MasterKey } from '../../common/crypto';

/**
 * A recording stand-in for the `electron` module, for loading the BUILT main-process bundle (and
 * electron-updater) under Node: no Electron runtime can be downloaded on this machine, so this is how main's
 * wiring (IPC registration and its sender checks, the app:// protocol, navigation guards, single-instance and
 * link handling, start-up order, keychain, notifications, updates) runs at all before a machine with internet
 * starts the real app. It implements only what main and electron-updater call, records it, and lets a test
 * drive app events. It proves nothing about Electron's own behaviour.
 *
 * Two parts do real work instead of recording: `safeStorage` really encrypts (libsodium secretbox under a
 * key of its own, so a vault file is unreadable without it), and `net.request` makes real HTTP requests
 * (Node's http client in place of Chromium's network stack, which electron-updater's ElectronHttpExecutor uses).
 * `initCrypto()` must have been awaited before safeStorage is used.
 */
export interface StandInOptions {
  /** What `requestSingleInstanceLock()` answers (false: another instance already runs). */
  readonly singleInstanceLock?: boolean;
  /** Linux keychain backend safeStorage reports; 'basic_text' means no real encryption is available. */
  readonly storageBackend?: string;
  readonly encryptionAvailable?: boolean;
  readonly appVersion?: string;
  readonly isPackaged?: boolean;
}

export interface ElectronStandIn {
  readonly module: Record<string, unknown>;
  readonly app: EventEmitter & { ready(): void; calls: string[]; isPackaged: boolean };
  readonly ipcHandlers: Map<string, (event: unknown, payload: unknown) => Promise<unknown>>;
  readonly protocolHandlers: Map<string, (request: Request) => Promise<Response>>;
  readonly windows: StandInWindow[];
  readonly privilegedSchemes: unknown[];
  readonly notifications: StandInNotification[];
  readonly safeStorage: { encryptString(text: string): Buffer; decryptString(data: Buffer): string };
  /** Every URL electron-updater (or anything else) requested through `net`. */
  readonly netRequests: string[];
  /** Every URL handed to `shell.openExternal`. */
  readonly openedExternally: string[];
}

export class StandInWebContents extends EventEmitter {
  static nextId = 1;
  readonly id = StandInWebContents.nextId++;
  readonly sent: Array<{ channel: string; payload: unknown }> = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  readonly session = { setPermissionRequestHandler: () => undefined, setPermissionCheckHandler: () => undefined };
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }
}

export class StandInWindow extends EventEmitter {
  readonly webContents = new StandInWebContents();
  loadedUrl: string | null = null;
  destroyed = false;
  focused = true;
  minimized = false;
  /** show / focus / restore, in order. */
  readonly calls: string[] = [];
  constructor(readonly options: { webPreferences?: Record<string, unknown> }) {
    super();
  }
  loadURL(url: string): Promise<void> {
    this.loadedUrl = url;
    return Promise.resolve();
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isFocused(): boolean {
    return this.focused;
  }
  restore(): void {
    this.minimized = false;
    this.calls.push('restore');
  }
  show(): void {
    this.calls.push('show');
  }
  focus(): void {
    this.focused = true;
    this.calls.push('focus');
  }
}

export class StandInNotification extends EventEmitter {
  shown = false;
  constructor(readonly options: { title: string; body: string; silent?: boolean }) {
    super();
  }
  show(): void {
    this.shown = true;
  }
}

/** A real secretbox under a key only this stand-in holds: what safeStorage promises (OS-held key), minus the OS. */
function encryptingSafeStorage(options: StandInOptions) {
  // A key of this stand-in's own (as the OS keychain holds one per user): real AEAD, so a test can see that
  // what the vault writes is ciphertext and that tampered bytes fail to open.
  let key: MasterKey | null = null;
  const keyOf = () => (key ??= generateMasterKey());
  const context = { kind: 'settings', userId: 'safe-storage-stand-in' } as const;
  return {
    isEncryptionAvailable: () => options.encryptionAvailable ?? true,
    getSelectedStorageBackend: () => options.storageBackend ?? 'gnome_libsecret',
    encryptString: (text: string): Buffer => {
      if (!(options.encryptionAvailable ?? true))
        throw new Error(
          'Error while encrypting the text provided to safeStorage.encryptString. Encryption is not available.',
        );
      return Buffer.from(encryptText(keyOf(), text, context), 'utf8');
    },
    // Throws on a wrong key or tampered data, as Electron's decryptString does.
    decryptString: (data: Buffer): string => decryptText(keyOf(), data.toString('utf8'), context),
  };
}

/** Electron's `net.request` (a ClientRequest-like object) over Node's http client, recording each URL. */
function nodeNet(netRequests: string[]) {
  return {
    request: (options: http.RequestOptions & { session?: unknown; redirect?: string }) => {
      const { session: _session, redirect: _redirect, ...nodeOptions } = options;
      netRequests.push(
        `${nodeOptions.protocol ?? 'http:'}//${nodeOptions.hostname ?? nodeOptions.host}:${nodeOptions.port ?? ''}${nodeOptions.path ?? ''}`,
      );
      return http.request(nodeOptions);
    },
  };
}

export function createElectronStandIn(userData: string, options: StandInOptions = {}): ElectronStandIn {
  let resolveReady: () => void = () => undefined;
  const whenReady = new Promise<void>((resolve) => (resolveReady = resolve));
  const calls: string[] = [];
  const app = Object.assign(new EventEmitter(), {
    calls,
    isPackaged: options.isPackaged ?? false,
    ready: () => resolveReady(),
    whenReady: () => whenReady,
    enableSandbox: () => void calls.push('enableSandbox'),
    requestSingleInstanceLock: () => (calls.push('requestSingleInstanceLock'), options.singleInstanceLock ?? true),
    setAsDefaultProtocolClient: (scheme: string) => (calls.push(`setAsDefaultProtocolClient:${scheme}`), true),
    getPath: (name: string) => (name === 'userData' ? userData : userData),
    getAppPath: () => userData,
    getVersion: () => options.appVersion ?? '0.0.0-test',
    getName: () => 'Symc',
    quit: () => void calls.push('quit'),
    relaunch: () => void calls.push('relaunch'),
    exit: (code: number) => void calls.push(`exit:${code}`),
  });
  const ipcHandlers = new Map<string, (event: unknown, payload: unknown) => Promise<unknown>>();
  const protocolHandlers = new Map<string, (request: Request) => Promise<Response>>();
  const windows: StandInWindow[] = [];
  const privilegedSchemes: unknown[] = [];
  const notifications: StandInNotification[] = [];
  const netRequests: string[] = [];
  const openedExternally: string[] = [];
  class BrowserWindow extends StandInWindow {
    constructor(options: { webPreferences?: Record<string, unknown> }) {
      super(options);
      windows.push(this);
    }
  }
  class Notification extends StandInNotification {
    static isSupported(): boolean {
      return true;
    }
    constructor(options: { title: string; body: string; silent?: boolean }) {
      super(options);
      notifications.push(this);
    }
  }
  const safeStorage = encryptingSafeStorage(options);
  const module = {
    app,
    BrowserWindow,
    ipcMain: {
      handle: (channel: string, handler: (event: unknown, payload: unknown) => Promise<unknown>) =>
        void ipcHandlers.set(channel, handler),
      removeHandler: (channel: string) => void ipcHandlers.delete(channel),
    },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => void privilegedSchemes.push(...schemes),
      handle: (scheme: string, handler: (request: Request) => Promise<Response>) =>
        void protocolHandlers.set(scheme, handler),
    },
    Menu: { buildFromTemplate: (template: unknown) => ({ template }), setApplicationMenu: () => undefined },
    Notification,
    safeStorage,
    shell: { openExternal: (url: string) => (openedExternally.push(url), Promise.resolve()) },
    autoUpdater: new EventEmitter(),
    net: nodeNet(netRequests),
    session: { fromPartition: () => ({}) },
  };
  return {
    module,
    app,
    ipcHandlers,
    protocolHandlers,
    windows,
    privilegedSchemes,
    notifications,
    safeStorage,
    netRequests,
    openedExternally,
  };
}
