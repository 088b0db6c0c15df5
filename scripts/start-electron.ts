/**
 * `npm start`: prepares what Electron needs on this machine, builds the app, runs it.
 *
 *   1. better-sqlite3 and better-sqlite3-multiple-ciphers (the search index) for Electron's ABI, each in its own cache folder (scripts/electron-addon.ts) — only when this
 *      exact combination (better-sqlite3, Electron, platform, arch) was never prepared. Node's build in
 *      node_modules stays as `npm ci` left it, so `npm test` keeps working.
 *   2. Electron's runtime: electron >= 42 downloads its binary on first use (node_modules/electron/install.js,
 *      from GitHub or ELECTRON_MIRROR); done here so a failure is reported, not thrown from inside `electron`.
 *   3. `npm run build:desktop`, then `electron .` with the remaining arguments.
 *
 * `--prepare` stops after 1 and 2 (`npm run desktop:prepare-electron`). A step that needs the internet and
 * cannot reach it ends the command with one sentence and exit code 1, pointing to `npm run desktop:headless`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { installedBuildKey, keyName, NATIVE_PACKAGES } from '../desktop/src/main/electron-native';
import { prepareElectronAddon } from './electron-addon';

const APP_ROOT = path.resolve(__dirname, '..');
const ELECTRON_DIR = path.join(APP_ROOT, 'node_modules', 'electron');
const HEADLESS = 'or run Symc without Electron: npm run desktop:headless';

class StartFailure extends Error {}

/** The first line of an error worth showing, bounded (a download error carries the URL). */
function reason(text: string): string {
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !/^Downloading/.test(l) && !/^at /.test(l));
  const short = (line ?? 'no details').replace(/\s+/g, ' ');
  return short.length > 220 ? `${short.slice(0, 217)}...` : short;
}

/** Electron's own check (install.js isInstalled): dist/version matches and path.txt names an existing binary. */
function electronBinary(version: string): string | null {
  try {
    const installed = readFileSync(path.join(ELECTRON_DIR, 'dist', 'version'), 'utf8')
      .replace(/^v/, '')
      .trim();
    const binary = path.join(ELECTRON_DIR, 'dist', readFileSync(path.join(ELECTRON_DIR, 'path.txt'), 'utf8'));
    return installed === version && existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

function ensureElectronRuntime(version: string, target: string): string {
  const present = electronBinary(version);
  if (present) return present;
  console.log(`Downloading Electron ${version} for ${target} (first start only)…`);
  const install = spawnSync(process.execPath, [path.join(ELECTRON_DIR, 'install.js')], {
    cwd: ELECTRON_DIR,
    encoding: 'utf8',
    env: process.env,
  });
  const binary = install.status === 0 ? electronBinary(version) : null;
  if (!binary) {
    throw new StartFailure(
      `Electron ${version} could not be downloaded for ${target} (${reason(`${install.stderr ?? ''}\n${install.error?.message ?? ''}`)}): check the internet connection (or ELECTRON_MIRROR), ${HEADLESS}.`,
    );
  }
  return binary;
}

async function ensureAddon(key: ReturnType<typeof installedBuildKey>, target: string): Promise<void> {
  try {
    const { built } = await prepareElectronAddon(APP_ROOT, key);
    if (built)
      console.log(
        `Prepared ${key.package ?? 'better-sqlite3'} ${key.betterSqlite3} for Electron ${key.electron} (${keyName(key)}).`,
      );
  } catch (error) {
    throw new StartFailure(
      `${key.package ?? 'better-sqlite3'} ${key.betterSqlite3} could not be prepared for Electron ${key.electron} on ${target}, as neither its prebuilt binary nor Electron's headers could be fetched (${reason(error instanceof Error ? error.message : String(error))}): check the internet connection, ${HEADLESS}.`,
    );
  }
}

function run(command: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve) => {
    const env = { ...process.env };
    delete env['ELECTRON_RUN_AS_NODE'];
    const child = spawn(command, args, { cwd: APP_ROOT, stdio: 'inherit', env, shell: false });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
    child.on('error', (error) => {
      console.error(`Could not run ${path.basename(command)}: ${error.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const prepareOnly = argv.includes('--prepare');
  const key = installedBuildKey(APP_ROOT);
  const target = `${key.platform}-${key.arch}`;
  // The store's better-sqlite3, then the search index's page-encrypting build (same API, same addon name).
  for (const pkg of NATIVE_PACKAGES) await ensureAddon(installedBuildKey(APP_ROOT, undefined, pkg), target);
  const electron = ensureElectronRuntime(key.electron, target);
  if (prepareOnly) return 0;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const build = spawnSync(npm, ['run', 'build:desktop'], {
    cwd: APP_ROOT,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (build.status !== 0) return build.status ?? 1;
  return run(electron, ['.', ...argv.filter((a) => a !== '--prepare')]);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // One sentence, no stack: these are the user's next step, not a crash report (SYMC_DEBUG=1 shows more).
    const message =
      error instanceof StartFailure
        ? error.message
        : `npm start failed: ${error instanceof Error ? error.message : String(error)}`;
    console.error(message);
    if (process.env['SYMC_DEBUG'] && !(error instanceof StartFailure)) console.error(error);
    process.exit(1);
  },
);
