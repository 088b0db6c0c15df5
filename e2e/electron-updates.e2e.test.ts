import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AppUpdater } from 'electron-updater';
import type { AutoUpdates, AutoUpdateStatus } from '../desktop/src/main/auto-update';
import { until } from './support/desktop';
import { createElectronStandIn, type ElectronStandIn } from './support/electron-stand-in';

/**
 * The update path end to end, short of installing: electron-updater's own DebUpdater (its generic provider,
 * its YAML parsing and version comparison, its download into the updater cache with sha512 verification, its
 * quitAndInstall) driven by the app's update logic (desktop/src/main/auto-update.ts + the policy in
 * core/updates/update-policy.ts), against a generic feed served from 127.0.0.1 with real artifacts.
 *
 * What is not electron-updater's or the app's code: `electron` is the stand-in (e2e/support/electron-stand-in.ts:
 * app, and `net.request` over Node's http client instead of Chromium's network stack), and the last step —
 * the `sudo dpkg -i <verified file>` electron-updater runs to install — is recorded instead of run. The
 * installed app is configured as an installer would leave it: resources/app-update.yml (generic feed,
 * updaterCacheDirName) and resources/package-type = deb.
 */
const CURRENT = '0.1.0';
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

interface Release {
  readonly version: string;
  readonly file: string;
  /** What the feed lists (the genuine build). */
  readonly listed: Buffer;
  /** What the server actually sends for the file (differs when tampered with in transit or on the mirror). */
  readonly served: Buffer;
}

let work: string;
let electron: ElectronStandIn;
let server: http.Server;
let feedUrl: string;
let release: Release | null = null;
const requests: string[] = [];
let updates: AutoUpdates | null = null;
const savedEnv = { XDG_CACHE_HOME: process.env['XDG_CACHE_HOME'], SYMC_UPDATE_URL: process.env['SYMC_UPDATE_URL'] };
const savedResourcesPath = (process as { resourcesPath?: string }).resourcesPath;

const sha512 = (data: Buffer) => createHash('sha512').update(data).digest('base64');

/** latest-linux.yml as electron-builder writes it for a deb release. */
function channelFile(r: Release): string {
  const hash = sha512(r.listed);
  return [
    `version: ${r.version}`,
    'files:',
    `  - url: ${r.file}`,
    `    sha512: ${hash}`,
    `    size: ${r.listed.length}`,
    `path: ${r.file}`,
    `sha512: ${hash}`,
    "releaseDate: '2026-12-01T10:00:00.000Z'",
    '',
  ].join('\n');
}

function genuine(version: string): Release {
  const bytes = randomBytes(256 * 1024);
  return { version, file: `Symc-${version}-linux-amd64.deb`, listed: bytes, served: bytes };
}

interface Run {
  readonly updater: AppUpdater;
  readonly statuses: AutoUpdateStatus[];
  readonly installCommands: string[][];
  readonly cacheDir: string;
}

/** A freshly installed app (its own updater cache) started with a sync running or not. */
function startApp(name: string, syncActive: boolean): Run {
  const cacheRoot = path.join(work, `cache-${name}`);
  process.env['XDG_CACHE_HOME'] = cacheRoot;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after jest.doMock, so it sees the stand-in
  const { DebUpdater } = require('electron-updater') as typeof import('electron-updater');
  type AutoUpdateModule = typeof import('../desktop/src/main/auto-update');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after jest.doMock, so it sees the stand-in
  const { startAutoUpdates } = require('../desktop/src/main/auto-update') as AutoUpdateModule;
  const updater = new DebUpdater();
  const installCommands: string[][] = [];
  // The one step not run: electron-updater's `sudo dpkg -i <file>` (after its own checks and package-manager detection).
  (updater as unknown as { runCommandWithSudoIfNeeded(command: string[]): string }).runCommandWithSudoIfNeeded = (
    command,
  ) => {
    installCommands.push(command);
    return '';
  };
  const statuses: AutoUpdateStatus[] = [];
  updates = startAutoUpdates({ updater, syncActive, logger: silent, onStatus: (s) => statuses.push(s) });
  return { updater, statuses, installCommands, cacheDir: path.join(cacheRoot, 'symc-updater') };
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'symc-updates-'));
  server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname; // electron-updater adds ?noCache=…
    requests.push(pathname);
    const name = pathname.replace(/^\/feed\//, '');
    if (release && name === 'latest-linux.yml')
      res.writeHead(200, { 'content-type': 'text/yaml' }).end(channelFile(release));
    else if (release && name === release.file)
      res
        .writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': release.served.length })
        .end(release.served);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  feedUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/feed`;

  const resources = path.join(work, 'resources');
  mkdirSync(resources);
  writeFileSync(
    path.join(resources, 'app-update.yml'),
    `provider: generic\nurl: ${feedUrl}\nchannel: latest\nupdaterCacheDirName: symc-updater\n`,
  );
  writeFileSync(path.join(resources, 'package-type'), 'deb');
  (process as { resourcesPath?: string }).resourcesPath = resources;
  delete process.env['SYMC_UPDATE_URL'];

  electron = createElectronStandIn(path.join(work, 'userData'), { isPackaged: true, appVersion: CURRENT });
  jest.doMock('electron', () => electron.module);
  electron.app.ready(); // electron-updater waits for app 'ready' before checking
});

afterEach(() => {
  updates?.stop();
  updates = null;
  release = null;
  requests.length = 0;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  (process as { resourcesPath?: string }).resourcesPath = savedResourcesPath;
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  rmSync(work, { recursive: true, force: true });
});

test('check → download → sha512 verified → offered; accepted mid-sync it waits, then "restart to update" installs the verified file', async () => {
  release = genuine('0.2.0');
  const run = startApp('genuine', true);

  updates!.checkNow();
  await until(() => updates!.status().phase === 'ready', 20_000, 'the downloaded update');
  expect(requests).toEqual(['/feed/latest-linux.yml', `/feed/${release.file}`]);
  expect(electron.netRequests.at(-1)).toContain(`/feed/${release.file}`); // through electron-updater's ElectronHttpExecutor
  expect(run.statuses.map((s) => s.phase)).toEqual(expect.arrayContaining(['checking', 'downloading', 'ready']));
  expect(updates!.status().offer).toEqual({ version: '0.2.0', canInstallNow: false, waitingForSync: false });

  // The user accepts while the first sync runs: nothing restarts.
  updates!.accept();
  expect(updates!.status().offer).toMatchObject({ waitingForSync: true });
  expect(run.installCommands).toEqual([]);
  expect(electron.app.calls).not.toContain('quit');

  // The sync ends: electron-updater's quitAndInstall runs the installer on the file it verified, relaunches, quits.
  updates!.setSyncActive(false);
  expect(updates!.status().phase).toBe('installing');
  expect(run.installCommands).toHaveLength(1);
  const [tool, flag, file] = run.installCommands[0]!;
  expect([tool, flag]).toEqual(['dpkg', '-i']);
  expect(path.dirname(file!)).toBe(path.join(run.cacheDir, 'pending'));
  expect(sha512(readFileSync(file!))).toBe(sha512(release.listed));
  expect(electron.app.calls).toContain('relaunch');
  await until(() => electron.app.calls.includes('quit'), 5_000, 'the quit after the installer started');
});

test('a tampered artifact (bytes differ from the feed’s sha512) is refused: no offer, nothing installed or kept', async () => {
  const good = genuine('0.3.0');
  const tampered = Buffer.from(good.listed);
  tampered[1000] = tampered[1000]! ^ 0xff;
  release = { ...good, served: tampered };
  const run = startApp('tampered', false);

  updates!.checkNow();
  await until(() => updates!.status().lastError !== null, 20_000, 'the verification failure');
  expect(requests).toEqual(['/feed/latest-linux.yml', `/feed/${good.file}`]);
  expect(updates!.status()).toMatchObject({
    phase: 'idle',
    offer: null,
    lastError: expect.stringMatching(/sha512 checksum mismatch/),
  });
  updates!.accept();
  expect(run.installCommands).toEqual([]);
  const pending = path.join(run.cacheDir, 'pending');
  const kept = existsSync(pending) ? readdirSync(pending).filter((f) => f.endsWith('.deb')) : [];
  expect(kept).toEqual([]);
});

test('a feed offering an older version is not a downgrade: nothing is downloaded or offered', async () => {
  release = genuine('0.0.9');
  const run = startApp('downgrade', false);

  updates!.checkNow();
  await until(
    () => updates!.status().phase === 'idle' && run.statuses.some((s) => s.phase === 'checking'),
    20_000,
    'the check to finish',
  );
  expect(requests).toEqual(['/feed/latest-linux.yml']);
  expect(updates!.status()).toMatchObject({ offer: null, lastError: null, version: null });
  expect(run.updater.allowDowngrade).toBe(false);
  expect(run.installCommands).toEqual([]);
});
