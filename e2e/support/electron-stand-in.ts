import { EventEmitter } from 'node:events';

/**
 * A recording stand-in for the `electron` module, for loading the BUILT main-process bundle under Node:
 * no Electron runtime can be downloaded on this machine, so this is how main's wiring (IPC registration and
 * its sender checks, the app:// protocol, navigation guards, single-instance and link handling, start-up
 * order) runs at all before a machine with internet starts the real app. It implements only what main
 * calls, records it, and lets a test drive app events. It proves nothing about Electron's own behaviour.
 */
export interface ElectronStandIn {
  readonly module: Record<string, unknown>;
  readonly app: EventEmitter & { ready(): void; calls: string[] };
  readonly ipcHandlers: Map<string, (event: unknown, payload: unknown) => Promise<unknown>>;
  readonly protocolHandlers: Map<string, (request: Request) => Promise<Response>>;
  readonly windows: StandInWindow[];
  readonly privilegedSchemes: unknown[];
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
    return false;
  }
  isFocused(): boolean {
    return true;
  }
  restore(): void {}
  show(): void {}
  focus(): void {}
}

export function createElectronStandIn(userData: string): ElectronStandIn {
  let resolveReady: () => void = () => undefined;
  const whenReady = new Promise<void>((resolve) => (resolveReady = resolve));
  const calls: string[] = [];
  const app = Object.assign(new EventEmitter(), {
    calls,
    isPackaged: false,
    ready: () => resolveReady(),
    whenReady: () => whenReady,
    enableSandbox: () => void calls.push('enableSandbox'),
    requestSingleInstanceLock: () => (calls.push('requestSingleInstanceLock'), true),
    setAsDefaultProtocolClient: (scheme: string) => (calls.push(`setAsDefaultProtocolClient:${scheme}`), true),
    getPath: (name: string) => (name === 'userData' ? userData : userData),
    getVersion: () => '0.0.0-test',
    quit: () => void calls.push('quit'),
    exit: (code: number) => void calls.push(`exit:${code}`),
  });
  const ipcHandlers = new Map<string, (event: unknown, payload: unknown) => Promise<unknown>>();
  const protocolHandlers = new Map<string, (request: Request) => Promise<Response>>();
  const windows: StandInWindow[] = [];
  const privilegedSchemes: unknown[] = [];
  class BrowserWindow extends StandInWindow {
    constructor(options: { webPreferences?: Record<string, unknown> }) {
      super(options);
      windows.push(this);
    }
  }
  // Reversible, NOT encryption: the stand-in keychain only has to round-trip.
  const safeStorage = {
    isEncryptionAvailable: () => true,
    getSelectedStorageBackend: () => 'gnome_libsecret',
    encryptString: (text: string) => Buffer.from(`stand-in:${text}`),
    decryptString: (data: Buffer) => data.toString().replace(/^stand-in:/, ''),
  };
  const module = {
    app,
    BrowserWindow,
    ipcMain: {
      handle: (channel: string, handler: (event: unknown, payload: unknown) => Promise<unknown>) => void ipcHandlers.set(channel, handler),
      removeHandler: (channel: string) => void ipcHandlers.delete(channel),
    },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => void privilegedSchemes.push(...schemes),
      handle: (scheme: string, handler: (request: Request) => Promise<Response>) => void protocolHandlers.set(scheme, handler),
    },
    Menu: { buildFromTemplate: (template: unknown) => ({ template }), setApplicationMenu: () => undefined },
    Notification: Object.assign(class {}, { isSupported: () => false }),
    safeStorage,
    shell: { openExternal: () => Promise.resolve() },
    autoUpdater: new EventEmitter(),
  };
  return { module, app, ipcHandlers, protocolHandlers, windows, privilegedSchemes };
}
