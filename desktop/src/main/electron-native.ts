/**
 * Where the Electron-ABI build of better-sqlite3 lives in development, apart from the Node build in
 * node_modules/better-sqlite3 (what tests, the headless host and the server load).
 *
 * Electron's Node has its own module ABI, so the addon `npm ci` compiles for Node cannot load in Electron and
 * vice versa. `npm start` (scripts/start-electron.ts) prepares a second build for the installed Electron into a
 * cache folder keyed by everything that decides the binary — better-sqlite3's version, Electron's version,
 * platform, arch — and the Electron main process loads it through better-sqlite3's `nativeBinding` option.
 * Nothing in node_modules/better-sqlite3 is touched. Installers are different: electron-builder rebuilds the
 * packaged copy for Electron (npmRebuild), so a packaged app uses better-sqlite3's own build.
 *
 * Plain Node (no `electron` import): the start script and main share it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const ADDON_FILE = 'better_sqlite3.node';

/**
 * The native SQLite packages main loads: better-sqlite3 (the store) and its page-encrypting twin with the same
 * API and addon file name (the search index, core/search/encrypted-search-index.ts).
 */
export type NativePackage = 'better-sqlite3' | 'better-sqlite3-multiple-ciphers';
export const NATIVE_PACKAGES: readonly NativePackage[] = ['better-sqlite3', 'better-sqlite3-multiple-ciphers'];

export interface NativeBuildKey {
  /** Which package (default better-sqlite3); `betterSqlite3` is its version. */
  readonly package?: NativePackage;
  readonly betterSqlite3: string;
  readonly electron: string;
  readonly platform: string;
  readonly arch: string;
}

export function keyName(key: NativeBuildKey): string {
  return `${key.package ?? 'better-sqlite3'}-${key.betterSqlite3}-electron-${key.electron}-${key.platform}-${key.arch}`;
}

function versionOf(appRoot: string, pkg: string): string {
  const manifest = JSON.parse(readFileSync(path.join(appRoot, 'node_modules', pkg, 'package.json'), 'utf8')) as {
    version?: unknown;
  };
  if (typeof manifest.version !== 'string') throw new Error(`${pkg} has no version in its package.json`);
  return manifest.version;
}

/** The key for the installed package (better-sqlite3 by default) and the given (or installed) Electron, here. */
export function installedBuildKey(
  appRoot: string,
  electronVersion?: string,
  pkg: NativePackage = 'better-sqlite3',
): NativeBuildKey {
  return {
    ...(pkg === 'better-sqlite3' ? {} : { package: pkg }),
    betterSqlite3: versionOf(appRoot, pkg),
    electron: electronVersion ?? versionOf(appRoot, 'electron'),
    platform: process.platform,
    arch: process.arch,
  };
}

/** The cache root: SYMC_ELECTRON_NATIVE_DIR, or node_modules/.cache/symc-electron-native (gone with `npm ci`). */
export function nativeCacheRoot(appRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  const override = env['SYMC_ELECTRON_NATIVE_DIR'];
  return override && override.trim() !== ''
    ? path.resolve(override)
    : path.join(appRoot, 'node_modules', '.cache', 'symc-electron-native');
}

export function electronAddonPath(appRoot: string, key: NativeBuildKey, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(nativeCacheRoot(appRoot, env), keyName(key), ADDON_FILE);
}

export interface RuntimeFacts {
  readonly isPackaged: boolean;
  /** process.versions.electron: undefined under plain Node (tests load main with a stand-in for electron). */
  readonly electronVersion: string | undefined;
  readonly appRoot: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The addon the main process must load, or null for better-sqlite3's own build (packaged app: rebuilt for
 * Electron by electron-builder; plain Node: the Node build). Throws a sentence for the user when Electron runs
 * unpackaged and nothing was prepared (the app was started with `electron .` instead of `npm start`).
 */
export function developmentAddon(facts: RuntimeFacts, pkg: NativePackage = 'better-sqlite3'): string | null {
  if (facts.isPackaged || facts.electronVersion === undefined) return null;
  const addon = electronAddonPath(
    facts.appRoot,
    installedBuildKey(facts.appRoot, facts.electronVersion, pkg),
    facts.env,
  );
  if (!existsSync(addon)) {
    throw new Error(
      `${pkg} is not prepared for Electron ${facts.electronVersion}: start Symc with \`npm start\` (it prepares it), or without Electron with \`npm run desktop:headless\`.`,
    );
  }
  return addon;
}
