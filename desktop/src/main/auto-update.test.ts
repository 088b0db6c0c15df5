/**
 * The Electron adapter against stand-ins for `electron` (app.isPackaged) and `electron-updater`
 * (an EventEmitter with autoUpdater's surface): checks the wiring, not electron-updater itself.
 */
import { EventEmitter } from 'node:events';

import type { UpdateCheckResult } from 'electron-updater';

import { startAutoUpdates, type AutoUpdates, type AutoUpdateStatus } from './auto-update';

class MockUpdater extends EventEmitter {
  autoDownload = false;
  autoInstallOnAppQuit = false;
  allowDowngrade = true;
  logger: unknown = null;
  readonly setFeedURL = jest.fn();
  readonly quitAndInstall = jest.fn();
  readonly checkForUpdates = jest.fn(async (): Promise<UpdateCheckResult | null> => {
    this.emit('checking-for-update');
    this.emit('update-not-available', { version: '0.1.0' });
    return null;
  });
}

const mockApp = { isPackaged: true };
let mockUpdater = new MockUpdater();

// Getters: the factories run when auto-update.ts is first required, before these consts are initialised.
jest.mock('electron', () => ({
  get app() {
    return mockApp;
  },
}));
jest.mock('electron-updater', () => ({
  get autoUpdater() {
    return mockUpdater;
  },
}));

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const MIN = 60_000;
const policy = { startupDelayMs: 1 * MIN, checkIntervalMs: 240 * MIN, retryBaseMs: 15 * MIN };
const EVENTS = [
  'checking-for-update',
  'update-available',
  'update-not-available',
  'download-progress',
  'update-downloaded',
  'error',
];

let updates: AutoUpdates | null = null;
const savedFeed = process.env['SYMC_UPDATE_URL'];

beforeEach(() => {
  jest.useFakeTimers();
  mockApp.isPackaged = true;
  mockUpdater = new MockUpdater();
  delete process.env['SYMC_UPDATE_URL'];
});

afterEach(() => {
  updates?.stop();
  updates = null;
  jest.useRealTimers();
  if (savedFeed === undefined) delete process.env['SYMC_UPDATE_URL'];
  else process.env['SYMC_UPDATE_URL'] = savedFeed;
});

function listenerCount(): number {
  return EVENTS.reduce((n, event) => n + mockUpdater.listenerCount(event), 0);
}

function deliverUpdate(version: string): void {
  mockUpdater.emit('checking-for-update');
  mockUpdater.emit('update-available', { version });
  mockUpdater.emit('download-progress', { percent: 60 });
  mockUpdater.emit('update-downloaded', { version, downloadedFile: '/tmp/x' });
}

test('in development (app not packaged) nothing is configured, listened to or scheduled', () => {
  mockApp.isPackaged = false;
  process.env['SYMC_UPDATE_URL'] = 'https://updates.example.test/feed';
  updates = startAutoUpdates({ logger: silent });

  expect(updates.status().enabled).toBe(false);
  expect(listenerCount()).toBe(0);
  expect(jest.getTimerCount()).toBe(0);
  expect(mockUpdater.setFeedURL).not.toHaveBeenCalled();
  updates.checkNow();
  expect(mockUpdater.checkForUpdates).not.toHaveBeenCalled();
});

test('packaged: downloads automatically, installs on quit, and checks only after the start-up delay', async () => {
  updates = startAutoUpdates({ logger: silent, policy });

  expect(mockUpdater.autoDownload).toBe(true);
  expect(mockUpdater.autoInstallOnAppQuit).toBe(true);
  expect(mockUpdater.allowDowngrade).toBe(false);
  await jest.advanceTimersByTimeAsync(1 * MIN - 1);
  expect(mockUpdater.checkForUpdates).not.toHaveBeenCalled();
  await jest.advanceTimersByTimeAsync(1);
  expect(mockUpdater.checkForUpdates).toHaveBeenCalledTimes(1);
});

test('a check that finds nothing is followed by the next one a full interval later', async () => {
  mockUpdater.checkForUpdates.mockImplementation(async () => {
    mockUpdater.emit('checking-for-update');
    mockUpdater.emit('update-not-available', { version: '0.1.0' });
    return { isUpdateAvailable: false } as unknown as UpdateCheckResult;
  });
  updates = startAutoUpdates({ logger: silent, policy });
  await jest.advanceTimersByTimeAsync(1 * MIN);
  await jest.advanceTimersByTimeAsync(239 * MIN);
  expect(mockUpdater.checkForUpdates).toHaveBeenCalledTimes(1);
  await jest.advanceTimersByTimeAsync(1 * MIN);
  expect(mockUpdater.checkForUpdates).toHaveBeenCalledTimes(2);
});

test('an updater that reports itself inactive (null) backs off instead of checking in a loop', async () => {
  mockUpdater.checkForUpdates.mockImplementation(async () => null);
  updates = startAutoUpdates({ logger: silent, policy });
  await jest.advanceTimersByTimeAsync(1 * MIN);
  await jest.advanceTimersByTimeAsync(14 * MIN);
  expect(mockUpdater.checkForUpdates).toHaveBeenCalledTimes(1);
  await jest.advanceTimersByTimeAsync(1 * MIN);
  expect(mockUpdater.checkForUpdates).toHaveBeenCalledTimes(2);
});

test('a downloaded update is offered through onStatus', () => {
  const seen: AutoUpdateStatus[] = [];
  updates = startAutoUpdates({ logger: silent, policy, onStatus: (s) => seen.push(s) });
  deliverUpdate('1.2.0');

  expect(seen.map((s) => s.phase)).toEqual(['checking', 'downloading', 'downloading', 'ready']);
  expect(updates.status().offer).toEqual({ version: '1.2.0', canInstallNow: true, waitingForSync: false });
  expect(mockUpdater.quitAndInstall).not.toHaveBeenCalled(); // offered, not forced
});

test('accepted during a sync, the restart waits for the sync to end', () => {
  updates = startAutoUpdates({ logger: silent, policy, syncActive: true });
  deliverUpdate('1.2.0');
  updates.accept();
  expect(mockUpdater.quitAndInstall).not.toHaveBeenCalled();
  expect(updates.status().offer?.waitingForSync).toBe(true);

  updates.setSyncActive(false);
  expect(mockUpdater.quitAndInstall).toHaveBeenCalledTimes(1);
  expect(mockUpdater.quitAndInstall).toHaveBeenCalledWith(true, true);
  expect(updates.status().phase).toBe('installing');
});

test('accepted with no sync running, it restarts into the update at once', () => {
  updates = startAutoUpdates({ logger: silent, policy });
  deliverUpdate('1.2.0');
  updates.accept();
  expect(mockUpdater.quitAndInstall).toHaveBeenCalledTimes(1);
});

test('a feed given in the options (or SYMC_UPDATE_URL) replaces the built-in one', () => {
  updates = startAutoUpdates({ logger: silent, feedUrl: 'https://staging.example.test/symc/' });
  expect(mockUpdater.setFeedURL).toHaveBeenCalledWith({
    provider: 'generic',
    url: 'https://staging.example.test/symc',
    channel: 'latest',
  });
  updates.stop();

  mockUpdater = new MockUpdater();
  process.env['SYMC_UPDATE_URL'] = 'https://env.example.test/feed';
  updates = startAutoUpdates({ logger: silent });
  expect(mockUpdater.setFeedURL).toHaveBeenCalledWith({
    provider: 'generic',
    url: 'https://env.example.test/feed',
    channel: 'latest',
  });
});

test('a plain-http feed is refused and updates stay off', () => {
  process.env['SYMC_UPDATE_URL'] = 'http://updates.example.test/feed';
  updates = startAutoUpdates({ logger: silent });
  expect(updates.status()).toMatchObject({ enabled: false, lastError: expect.stringContaining('https') });
  expect(mockUpdater.setFeedURL).not.toHaveBeenCalled();
  expect(listenerCount()).toBe(0);
});

test('stop() removes the listeners and the timer', () => {
  updates = startAutoUpdates({ logger: silent, policy });
  expect(listenerCount()).toBeGreaterThan(0);
  expect(jest.getTimerCount()).toBe(1);
  updates.stop();
  expect(listenerCount()).toBe(0);
  expect(jest.getTimerCount()).toBe(0);
});
