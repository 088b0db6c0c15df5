import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { LocalStore } from '../desktop/src/core/store/local-store';
import {
  developmentAddon,
  electronAddonPath,
  installedBuildKey,
  keyName,
  NATIVE_PACKAGES,
} from '../desktop/src/main/electron-native';

/**
 * `npm start` on a machine without internet, for real: scripts/start-electron.ts --prepare (what `npm start`
 * runs before building and launching) with every download pointed at a 127.0.0.1 server that has nothing
 * (better-sqlite3's prebuilt host, Electron's headers, Electron's mirror — the standard overrides of
 * prebuild-install, @electron/rebuild and @electron/get). What a machine with internet does next (download,
 * compile, open the window) is on the checklist in docs/RELEASING.md.
 */
const ROOT = path.resolve(__dirname, '..');
const TSX = require.resolve('tsx/cli', { paths: [ROOT] });
const NODE_ADDON = path.join(ROOT, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
const ELECTRON = (JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')) as { version: string })
  .version;
const ELECTRON_ABI = readFileSync(path.join(ROOT, 'node_modules/electron/abi_version'), 'utf8').trim();
const run = promisify(execFile);

let work: string;
let server: http.Server;
let base: string;
const requests: string[] = [];

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

async function prepare(cacheRoot: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const home = path.join(work, 'home');
  mkdirSync(home, { recursive: true });
  const env = {
    ...process.env,
    HOME: home, // node-gyp's ~/.electron-gyp and friends
    npm_config_cache: path.join(work, 'npm-cache'),
    SYMC_ELECTRON_NATIVE_DIR: cacheRoot,
    npm_config_better_sqlite3_binary_host: `${base}/prebuilt`,
    ELECTRON_REBUILD_DIST_URL: `${base}/headers`,
    ELECTRON_MIRROR: `${base}/electron/`,
    electron_config_cache: path.join(work, 'electron-cache'),
  };
  try {
    const { stdout, stderr } = await run(process.execPath, [TSX, 'scripts/start-electron.ts', '--prepare'], {
      cwd: ROOT,
      env,
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'symc-start-'));
  server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  requests.length = 0;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(work, { recursive: true, force: true });
});

describe('the Electron build of better-sqlite3 is computed and resolved apart from Node’s', () => {
  test('its place is keyed by better-sqlite3, Electron, platform and arch, outside node_modules/better-sqlite3', () => {
    const key = installedBuildKey(ROOT);
    expect(key).toMatchObject({ electron: ELECTRON, platform: process.platform, arch: process.arch });
    const addon = electronAddonPath(ROOT, key, {});
    expect(addon).toBe(
      path.join(ROOT, 'node_modules/.cache/symc-electron-native', keyName(key), 'better_sqlite3.node'),
    );
    expect(addon.startsWith(path.join(ROOT, 'node_modules/better-sqlite3'))).toBe(false);
    const others = [
      { ...key, electron: '46.0.0' },
      { ...key, betterSqlite3: '12.99.0' },
      { ...key, arch: 'arm64' },
      { ...key, platform: 'win32' },
      installedBuildKey(ROOT, undefined, 'better-sqlite3-multiple-ciphers'),
    ];
    expect(new Set([addon, ...others.map((k) => electronAddonPath(ROOT, k, {}))]).size).toBe(6);
  });

  test('main resolves it only for unpackaged Electron; Node and the packaged app load better-sqlite3’s own build', () => {
    const cacheRoot = path.join(work, 'resolve');
    const env = { SYMC_ELECTRON_NATIVE_DIR: cacheRoot };
    expect(developmentAddon({ isPackaged: false, electronVersion: undefined, appRoot: ROOT, env })).toBeNull(); // tests, headless, server
    expect(developmentAddon({ isPackaged: true, electronVersion: ELECTRON, appRoot: ROOT, env })).toBeNull(); // electron-builder rebuilt it
    expect(() => developmentAddon({ isPackaged: false, electronVersion: ELECTRON, appRoot: ROOT, env })).toThrow(
      `better-sqlite3 is not prepared for Electron ${ELECTRON}: start Symc with \`npm start\` (it prepares it), or without Electron with \`npm run desktop:headless\`.`,
    );
    const addon = electronAddonPath(ROOT, installedBuildKey(ROOT, ELECTRON), env);
    mkdirSync(path.dirname(addon), { recursive: true });
    writeFileSync(addon, 'placeholder: only its path is resolved here');
    expect(developmentAddon({ isPackaged: false, electronVersion: ELECTRON, appRoot: ROOT, env })).toBe(addon);
  });

  test('the store loads exactly the addon it is given (better-sqlite3’s nativeBinding), and its own build by default', () => {
    const store = LocalStore.open(':memory:', NODE_ADDON);
    expect(store.problems()).toEqual([]);
    store.close();
    expect(() => LocalStore.open(':memory:', path.join(work, 'no-such-addon.node'))).toThrow(/no-such-addon/);
    expect(LocalStore.nativeBinding).toBeNull();
  });
});

describe('npm start’s prepare step without internet', () => {
  test('asks for the Electron-ABI build (prebuilt, then headers), fails in one sentence, and leaves Node’s build as it was', async () => {
    const before = sha256(NODE_ADDON);
    const cacheRoot = path.join(work, 'fresh');
    const { code, stdout, stderr } = await prepare(cacheRoot);
    const bs = installedBuildKey(ROOT).betterSqlite3;

    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^better-sqlite3 ${bs} could not be prepared for Electron ${ELECTRON} on ${process.platform}-${process.arch}, .*\\(Error: 404 response downloading .*/headers/v${ELECTRON}/.*\\): check the internet connection, or run Symc without Electron: npm run desktop:headless\\.$`,
        ),
      ),
    ]);
    expect(`${stdout}\n${stderr}`).not.toMatch(/^\s+at /m); // no stack trace
    expect(requests).toEqual([
      `/prebuilt/v${bs}/better-sqlite3-v${bs}-electron-v${ELECTRON_ABI}-${process.platform}-${process.arch}.tar.gz`,
      `/headers/v${ELECTRON}/node-v${ELECTRON}-headers.tar.gz`,
    ]);
    expect(existsSync(cacheRoot) ? readdirSync(cacheRoot) : []).toEqual([]); // no half-built leftovers

    expect(sha256(NODE_ADDON)).toBe(before);
    const probe = await run(
      process.execPath,
      [
        '-e',
        "const D=require('better-sqlite3'); console.log(new D(':memory:').prepare('select sqlite_version() v').get().v)",
      ],
      { cwd: ROOT },
    );
    expect(probe.stdout.trim()).toMatch(/^3\.\d+\.\d+$/);
  }, 150_000);

  test('an Electron build already prepared for this key is not fetched again; a missing Electron runtime is one sentence too', async () => {
    const cacheRoot = path.join(work, 'cached');
    for (const pkg of NATIVE_PACKAGES) {
      const addon = electronAddonPath(ROOT, installedBuildKey(ROOT, undefined, pkg), {
        SYMC_ELECTRON_NATIVE_DIR: cacheRoot,
      });
      mkdirSync(path.dirname(addon), { recursive: true });
      writeFileSync(addon, 'placeholder standing for a prepared build (only the cache lookup is exercised)');
    }
    const runtimeInstalled = existsSync(path.join(ROOT, 'node_modules/electron/path.txt'));

    const { code, stderr } = await prepare(cacheRoot);
    expect(requests.filter((r) => r.startsWith('/prebuilt/') || r.startsWith('/headers/'))).toEqual([]);
    if (runtimeInstalled) {
      // A developer machine that already downloaded Electron: nothing left to prepare.
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      return;
    }
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      `Electron ${ELECTRON} could not be downloaded for ${process.platform}-${process.arch} (HTTPError: Response code 404 (Not Found) for ${base}/electron/v${ELECTRON}/electron-v${ELECTRON}-${process.platform}-${process.arch}.zip): check the internet connection (or ELECTRON_MIRROR), or run Symc without Electron: npm run desktop:headless.`,
    ]);
    expect(requests).toEqual([`/electron/v${ELECTRON}/electron-v${ELECTRON}-${process.platform}-${process.arch}.zip`]);
    expect(existsSync(path.join(ROOT, 'node_modules/electron/path.txt'))).toBe(false);
  }, 150_000);
});
