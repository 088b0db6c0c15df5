/**
 * Builds (or fetches) better-sqlite3 (or better-sqlite3-multiple-ciphers: NativeBuildKey.package) for the installed Electron into its own cache folder
 * (desktop/src/main/electron-native.ts), leaving node_modules/better-sqlite3 — Node's build, used by the tests,
 * the headless host and the server — untouched.
 *
 * How: a throw-away copy of the better-sqlite3 package (without its build/) in a scratch project, rebuilt there
 * by @electron/rebuild for Electron's version and this platform/arch. @electron/rebuild first asks
 * prebuild-install for better-sqlite3's published Electron binary (GitHub releases; host override:
 * npm_config_better_sqlite3_binary_host), then compiles against Electron's headers (electronjs.org/headers;
 * override: ELECTRON_REBUILD_DIST_URL). Both need the internet. Only the resulting .node is kept.
 */
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import {
  ADDON_FILE,
  electronAddonPath,
  keyName,
  type NativeBuildKey,
  nativeCacheRoot,
} from '../desktop/src/main/electron-native';

export interface PreparedAddon {
  readonly addon: string;
  /** False when the cache already held this key's build (nothing was fetched or compiled). */
  readonly built: boolean;
}

/** A scratch project holding a build-less copy of better-sqlite3, with prebuild-install reachable from it. */
function scratchProject(appRoot: string, key: NativeBuildKey, work: string): void {
  const pkg = key.package ?? 'better-sqlite3';
  const source = realpathSync(path.join(appRoot, 'node_modules', pkg));
  const build = path.join(source, 'build');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(path.join(work, 'node_modules'), { recursive: true });
  writeFileSync(
    path.join(work, 'package.json'),
    JSON.stringify({
      name: 'symc-electron-addon',
      version: '0.0.0',
      private: true,
      dependencies: { [pkg]: key.betterSqlite3 },
    }),
  );
  cpSync(source, path.join(work, 'node_modules', pkg), {
    recursive: true,
    dereference: true,
    filter: (from) => from !== build && !from.startsWith(build + path.sep),
  });
  const prebuildInstall = path.dirname(require.resolve('prebuild-install/package.json', { paths: [source] }));
  symlinkSync(prebuildInstall, path.join(work, 'node_modules', 'prebuild-install'), 'junction');
}

export async function prepareElectronAddon(
  appRoot: string,
  key: NativeBuildKey,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PreparedAddon> {
  const addon = electronAddonPath(appRoot, key, env);
  if (existsSync(addon)) return { addon, built: false };

  const work = path.join(nativeCacheRoot(appRoot, env), `${keyName(key)}.work-${process.pid}`);
  scratchProject(appRoot, key, work);
  // A machine-wide npm `nodedir` (this build machine sets nodedir=/usr) makes node-gyp compile against Node's
  // headers while claiming Electron's target: a binary that fails to load. Electron's headers are wanted here.
  const savedNodedir = { lower: process.env['npm_config_nodedir'], upper: process.env['NPM_CONFIG_NODEDIR'] };
  delete process.env['npm_config_nodedir'];
  delete process.env['NPM_CONFIG_NODEDIR'];
  // @electron/rebuild prints node-gyp's whole output (a stack trace on a failed download) to console.error:
  // kept here as the failure's details instead (SYMC_DEBUG=1 prints it).
  const captured: string[] = [];
  const saved = { error: console.error, warn: console.warn };
  console.error = console.warn = (...args: unknown[]) => void captured.push(args.map(String).join(' '));
  try {
    const { rebuild } = await import('@electron/rebuild');
    const headerURL = env['ELECTRON_REBUILD_DIST_URL'];
    await rebuild({
      buildPath: work,
      electronVersion: key.electron,
      arch: key.arch,
      platform: key.platform as NodeJS.Platform,
      onlyModules: [key.package ?? 'better-sqlite3'],
      force: true,
      mode: 'sequential',
      ...(headerURL ? { headerURL } : {}),
    });
    const built = path.join(work, 'node_modules', key.package ?? 'better-sqlite3', 'build', 'Release', ADDON_FILE);
    if (!existsSync(built)) throw new Error(`the rebuild left no ${ADDON_FILE}`);
    mkdirSync(path.dirname(addon), { recursive: true });
    copyFileSync(built, `${addon}.tmp`);
    renameSync(`${addon}.tmp`, addon);
    writeFileSync(
      path.join(path.dirname(addon), 'build.json'),
      JSON.stringify({ ...key, preparedAt: new Date().toISOString() }, null, 2),
    );
    return { addon, built: true };
  } catch (error) {
    const details = captured.join('\n');
    if (env['SYMC_DEBUG']) saved.error(details);
    // node-gyp's own first error line says what failed (e.g. "Error: 404 response downloading <headers url>").
    const cause = details.split('\n').find((line) => /^\w*Error\b/.test(line.trim()));
    throw new Error(cause ? cause.trim() : error instanceof Error ? error.message : String(error), { cause: error });
  } finally {
    console.error = saved.error;
    console.warn = saved.warn;
    if (savedNodedir.lower !== undefined) process.env['npm_config_nodedir'] = savedNodedir.lower;
    if (savedNodedir.upper !== undefined) process.env['NPM_CONFIG_NODEDIR'] = savedNodedir.upper;
    rmSync(work, { recursive: true, force: true });
  }
}
