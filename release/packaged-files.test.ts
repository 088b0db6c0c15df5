/**
 * (b) What goes into the installer, checked on a real package: electron-builder packages a copy of this
 * repository (every tracked and untracked-but-not-ignored file, plus a realistic fake of the desktop build
 * output and some local junk) for `linux dir`, using this repo's node_modules and electron-builder.yml.
 *
 * The only fake is Electron itself: this machine cannot download it (../shared/PLATFORM.md), so
 * `electronDist` points at a stand-in folder. Everything else — file patterns, node_modules exclusions,
 * asar packing and unpacking, app-update.yml — is electron-builder's own code doing what it does on the
 * release machine. Two deliberate differences: npmRebuild is off (a rebuild on this machine would target
 * Node, not Electron), and the copy's node_modules is a symlink to this repo's, over which `npm ls` (the
 * collector a release machine uses) reports every package as an outside link once npm's hidden lockfile is
 * stale — so the copy's package.json selects electron-builder's traversal collector, which walks
 * node_modules with Node's resolution and yields the same production tree.
 */
import { execFile, execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';

import { extractFile, listPackage, statFile } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { FuseState, SENTINEL } from '@electron/fuses/dist/constants';

import { CONFIG_FILE, REPO_ROOT } from './builder-config';
import { readPackageJson, splitDependencies } from './node-modules';

const run = promisify(execFile);

const UPDATE_URL = 'https://updates.example.test/symc/stable';
const pkg = readPackageJson(REPO_ROOT);

/** The desktop build output as `npm run build:desktop` lays it out, including what must not ship. */
const FAKE_BUILD_OUTPUT: Record<string, string> = {
  'desktop/dist/main/main.js': "'use strict';\nrequire('./auto-update.js');\n",
  'desktop/dist/main/main.js.map': '{"version":3,"sources":["../../src/main/main.ts"]}',
  'desktop/dist/main/auto-update.js': "'use strict';\n",
  'desktop/dist/main/auto-update.d.ts': 'export {};\n',
  'desktop/dist/preload/preload.js': "'use strict';\n",
  'desktop/dist/renderer/index.html': '<!doctype html><script type="module" src="./assets/index-3f2a1b.js"></script>\n',
  'desktop/dist/renderer/assets/index-3f2a1b.js': 'export {};\n',
  'desktop/dist/renderer/assets/index-9c8d7e.css': 'body{}\n',
  'desktop/dist/core/updates/update-policy.js': "'use strict';\n",
  'desktop/dist/core/updates/update-policy.test.js': "'use strict';\n",
  'desktop/dist/core/updates/update-policy.js.map': '{}',
  'desktop/dist/common/contract/index.js': "'use strict';\n",
  'desktop/dist/common/crypto/envelope.js': "'use strict';\n",
  'desktop/dist/common/crypto/envelope.test.js': "'use strict';\n",
  // Compiled but not part of the app: the developer pairing CLI and tsc's incremental state.
  'desktop/dist/cli/pair.js': "'use strict';\n",
  'desktop/dist/tsconfig.tsbuildinfo': '{}',
  // Local junk a release machine may have lying around (all git-ignored).
  '.env': 'DATABASE_URL=postgres://secret\n',
  'server/.env': 'JWT_SECRET=secret\n',
  '.data/symc.sqlite': 'SQLite format 3\0',
  'server/dist/main.js': "'use strict';\n",
  'test-artifacts/trace.zip': 'PK',
};

/** Paths (outside node_modules) the package may contain. */
const SHIPPED_APP_FILE = /^(?:package\.json|desktop\/dist\/(?:main|preload|renderer|core|common)\/.+)$/;

let workDir: string;
let resources: string;
let asarPath: string;
/** Every entry of app.asar (packed and unpacked), relative, '/'-separated, files and folders. */
let entries: Set<string>;
let excludedPackages: readonly string[];
let desktopRoots: readonly string[];

function git(args: string[]): string[] {
  return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\0')
    .filter((p) => p !== '');
}

function copyRepository(to: string): void {
  for (const file of git(['ls-files', '-z', '--cached', '--others', '--exclude-standard'])) {
    const from = join(REPO_ROOT, file);
    const stat = statSync(from, { throwIfNoEntry: false });
    if (stat === undefined || !stat.isFile()) continue; // deleted or changed by someone else meanwhile
    mkdirSync(dirname(join(to, file)), { recursive: true });
    copyFileSync(from, join(to, file));
  }
}

function writeFiles(root: string, files: Record<string, string>): void {
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), content);
  }
}

/** Electron's fuse wire (sentinel, version 1, length, '1'/'0' per V1 fuse, Electron's defaults), so electron-builder's
 * fuse step (@electron/fuses) has a wire to flip in the stand-in binary and section (d) can read what it flipped. */
const STAND_IN_FUSE_WIRE = `${SENTINEL}\x01\x08${'10110001'.replace(/./g, (bit) => String.fromCharCode(bit === '1' ? FuseState.ENABLE : FuseState.DISABLE))}`;

/** A stand-in for Electron's unpacked Linux distribution: the files electron-builder copies and renames. */
function writeFakeElectron(dir: string): void {
  const electronVersion = (
    JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/electron/package.json'), 'utf8')) as { version: string }
  ).version;
  writeFiles(dir, {
    electron: `#!/bin/sh\necho "stand-in for Electron"\nexit 0\n# ${STAND_IN_FUSE_WIRE}\n`,
    version: `${electronVersion}\n`,
    LICENSE: 'MIT\n',
    'LICENSES.chromium.html': '<html></html>\n',
  });
  chmodSync(join(dir, 'electron'), 0o755);
  mkdirSync(join(dir, 'resources'));
}

function packageJsonIn(packageDir: string): {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  version?: string;
} {
  return JSON.parse(extractFile(asarPath, posix.join(packageDir, 'package.json')).toString('utf8'));
}

/** Node's resolution inside the package: from `fromDir`, the nearest node_modules/<name> up the tree. */
function resolvePackage(fromDir: string, name: string): string | null {
  let dir = fromDir;
  for (;;) {
    const candidate = posix.join(dir, 'node_modules', name);
    if (entries.has(posix.join(candidate, 'package.json'))) return candidate;
    if (dir === '' || dir === '.') return null;
    const cut = dir.lastIndexOf('node_modules/');
    dir = cut <= 0 ? '' : dir.slice(0, cut - 1);
  }
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'symc-package-'));
  const project = join(workDir, 'project');
  const electronDist = join(workDir, 'electron-dist');
  mkdirSync(project);
  mkdirSync(electronDist);
  copyRepository(project);
  writeFiles(project, FAKE_BUILD_OUTPUT);
  const manifestPath = join(project, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
  writeFileSync(manifestPath, JSON.stringify({ ...manifest, packageManager: 'traversal@0' }, null, 2));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(project, 'node_modules'), 'dir');
  writeFakeElectron(electronDist);

  const cli = require.resolve('electron-builder/cli.js', { paths: [REPO_ROOT] });
  const args = [
    cli,
    '--linux',
    'dir',
    '--x64',
    '--publish',
    'never',
    '--projectDir',
    project,
    '--config',
    CONFIG_FILE,
    `-c.electronDist=${electronDist}`,
    '-c.npmRebuild=false',
  ];
  const env = {
    ...process.env,
    SYMC_UPDATE_URL: UPDATE_URL,
    CSC_IDENTITY_AUTO_DISCOVERY: 'false',
    ELECTRON_BUILDER_CACHE: join(workDir, 'cache'),
  };
  let log: string;
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd: project, env, maxBuffer: 64 * 1024 * 1024 });
    log = `${stdout}\n${stderr}`;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`electron-builder failed:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: error });
  }
  // A broken dependency collection still "succeeds"; fail here with electron-builder's own words instead.
  if (/cannot find path for dependency|no node modules returned/.test(log))
    throw new Error(`electron-builder could not collect node_modules:\n${log}`);

  resources = join(project, 'dist/installers/linux-unpacked/resources');
  asarPath = join(resources, 'app.asar');
  entries = new Set(listPackage(asarPath, { isPack: false }).map((p) => p.replace(/\\/g, '/').replace(/^\//, '')));
  ({ excludedPackages, desktopRoots } = splitDependencies(REPO_ROOT));
}, 240_000);

afterAll(() => {
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

let fileList: string[] | null = null;
/** The regular files among `entries` (folders and links left out). */
function files(): string[] {
  fileList ??= [...entries].filter((p) => {
    const entry = statFile(asarPath, p, false);
    return !('files' in entry) && !('link' in entry);
  });
  return fileList;
}

describe('(b) the app itself', () => {
  test('main, preload, renderer, core and common are packaged', () => {
    for (const file of [
      'package.json',
      'desktop/dist/main/main.js',
      'desktop/dist/main/auto-update.js',
      'desktop/dist/preload/preload.js',
      'desktop/dist/renderer/index.html',
      'desktop/dist/renderer/assets/index-3f2a1b.js',
      'desktop/dist/renderer/assets/index-9c8d7e.css',
      'desktop/dist/core/updates/update-policy.js',
      'desktop/dist/common/contract/index.js',
      'desktop/dist/common/crypto/envelope.js',
    ]) {
      expect({ file, packaged: entries.has(file) }).toEqual({ file, packaged: true });
    }
  });

  test('the packaged package.json starts the compiled main process, carries the version and no scripts', () => {
    const packaged = packageJsonIn('') as Record<string, unknown>;
    expect(packaged['main']).toBe('desktop/dist/main/main.js');
    expect(packaged['version']).toBe(pkg.version);
    expect(packaged['desktopName']).toBe('symc.desktop');
    expect(packaged['scripts']).toBeUndefined();
    expect(packaged['devDependencies']).toBeUndefined();
  });

  test('nothing but the compiled app: no server, prisma, mobile-pairing, e2e, bench, docs, sources, tests, maps or secrets', () => {
    const appFiles = files().filter((p) => !p.startsWith('node_modules/'));
    expect(appFiles.length).toBeGreaterThan(5);
    expect(appFiles.filter((p) => !SHIPPED_APP_FILE.test(p))).toEqual([]);
    const forbidden =
      /^(?:server|prisma|mobile-pairing|e2e|bench|docs|scripts|release|build|common|desktop\/src)\/|\.env$|\.data\//;
    expect(files().filter((p) => forbidden.test(p))).toEqual([]);
    expect(files().filter((p) => /\.(?:ts|tsx|mts|cts|map)$/.test(p) || /\.test\.[cm]?js$/.test(p))).toEqual([]);
    expect(
      files().filter((p) =>
        /(?:^|\/)(?:electron-builder\.yml|package-lock\.json|tsconfig\.json|jest\.config\.ts)$/.test(p),
      ),
    ).toEqual([]);
  });
});

describe('(b) node_modules', () => {
  test('every package the desktop app needs is packaged and resolvable, with all its dependencies', () => {
    const unresolved: string[] = [];
    const queue: Array<{ from: string; name: string; optional: boolean; by: string }> = desktopRoots.map((name) => ({
      from: '',
      name,
      optional: false,
      by: 'the app',
    }));
    const visited = new Set<string>();
    while (queue.length > 0) {
      const { from, name, optional, by } = queue.pop()!;
      const dir = resolvePackage(from, name);
      if (dir === null) {
        if (!optional) unresolved.push(`${name} (required by ${by})`);
        continue;
      }
      if (visited.has(dir)) continue;
      visited.add(dir);
      const manifest = packageJsonIn(dir);
      for (const dep of Object.keys(manifest.dependencies ?? {}))
        queue.push({ from: dir, name: dep, optional: false, by: name });
      for (const dep of Object.keys(manifest.optionalDependencies ?? {}))
        queue.push({ from: dir, name: dep, optional: true, by: name });
    }
    expect(unresolved).toEqual([]);
    expect(visited.size).toBeGreaterThanOrEqual(desktopRoots.length);
  });

  test('no server-only package (nor react, bundled by Vite) is packaged', () => {
    const packaged = [...entries]
      .filter((p) => /(?:^|\/)node_modules\/(?:@[^/]+\/)?[^/@]+\/package\.json$/.test(p))
      .map((p) => {
        const at = p.lastIndexOf('node_modules/') + 'node_modules/'.length;
        return p.slice(at, -'/package.json'.length);
      });
    expect(excludedPackages.length).toBeGreaterThan(10);
    expect(packaged.filter((name) => excludedPackages.includes(name))).toEqual([]);
    for (const name of [
      'express',
      'pg',
      '@prisma/client',
      '@prisma/schema-engine-wasm',
      'pino',
      'ioredis',
      'prom-client',
      'react',
      'react-dom',
      'zustand',
    ]) {
      expect({ name, packaged: packaged.includes(name) }).toEqual({ name, packaged: false });
    }
  });

  test('better-sqlite3’s native module is unpacked from the asar, next to its package.json and lib', () => {
    const node = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
    const entry = statFile(asarPath, node, false);
    expect('unpacked' in entry && entry.unpacked).toBe(true);
    const unpacked = join(resources, 'app.asar.unpacked');
    expect(statSync(join(unpacked, node)).size).toBeGreaterThan(100_000);
    expect(existsSync(join(unpacked, 'node_modules/better-sqlite3/package.json'))).toBe(true);
    expect(existsSync(join(unpacked, 'node_modules/better-sqlite3/lib/database.js'))).toBe(true);
    // Sources and build leftovers of the native compile stay behind.
    expect(
      readdirSync(join(unpacked, 'node_modules/better-sqlite3')).filter((e) => e === 'deps' || e === 'src'),
    ).toEqual([]);
    expect(existsSync(join(unpacked, 'node_modules/better-sqlite3/build/Release/test_extension.node'))).toBe(false);
  });

  test('no native module is left inside the asar, where it could not be loaded', () => {
    const packedNative = files()
      .filter((p) => p.endsWith('.node'))
      .filter((p) => {
        const entry = statFile(asarPath, p, false);
        return !('unpacked' in entry && entry.unpacked);
      });
    expect(packedNative).toEqual([]);
  });
});

describe('(c) the update feed written into the package', () => {
  test('resources/app-update.yml points electron-updater at the generic feed from SYMC_UPDATE_URL', () => {
    const yml = readFileSync(join(resources, 'app-update.yml'), 'utf8');
    const fields = new Map(
      yml
        .split('\n')
        .filter((l) => l.includes(': '))
        .map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]),
    );
    expect(fields.get('provider')).toBe('generic');
    expect(fields.get('url')).toBe(UPDATE_URL);
    expect(fields.get('channel')).toBe('latest');
  });
});

describe('(d) Electron fuses flipped in the packaged binary', () => {
  test('RunAsNode, NODE_OPTIONS and --inspect off; cookie encryption, asar integrity and asar-only loading on', async () => {
    const wire = await getCurrentFuseWire(join(resources, '..', 'symc'));
    const state = (fuse: FuseV1Options) =>
      wire[fuse] === FuseState.ENABLE ? 'on' : wire[fuse] === FuseState.DISABLE ? 'off' : `? ${String(wire[fuse])}`;
    const { RunAsNode, EnableNodeOptionsEnvironmentVariable, EnableNodeCliInspectArguments, EnableCookieEncryption } =
      FuseV1Options;
    const { EnableEmbeddedAsarIntegrityValidation, OnlyLoadAppFromAsar, GrantFileProtocolExtraPrivileges } =
      FuseV1Options;
    expect(
      [
        RunAsNode,
        EnableNodeOptionsEnvironmentVariable,
        EnableNodeCliInspectArguments,
        GrantFileProtocolExtraPrivileges,
      ].map(state),
    ).toEqual(['off', 'off', 'off', 'off']);
    expect([EnableCookieEncryption, EnableEmbeddedAsarIntegrityValidation, OnlyLoadAppFromAsar].map(state)).toEqual([
      'on',
      'on',
      'on',
    ]);
  });
});
