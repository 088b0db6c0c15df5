/**
 * Which installed packages the desktop app needs at run time, and which it must not ship.
 *
 * One package.json serves the server and the desktop app, and electron-builder copies every production
 * dependency into the installer. The server-only ones (express, Prisma, pg, pino, ioredis, …) and the
 * packages Vite already bundles into the renderer (react, zustand) are kept out by exclusion patterns in
 * electron-builder.yml, generated from package-lock.json by `npm run release:node-modules` and checked by
 * release/electron-builder-config.test.ts. A package both sides use stays in.
 *
 * The desktop side's roots are the packages the main-process code imports (scanned from desktop/src,
 * except the renderer, and common/) plus DESKTOP_RUNTIME_DEPENDENCIES, the ones the design commits to
 * before their code lands.
 */
import { builtinModules } from 'node:module';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export const DESKTOP_RUNTIME_DEPENDENCIES: readonly string[] = [
  'better-sqlite3',
  'better-sqlite3-multiple-ciphers',
  'electron-updater',
  'libsodium-wrappers-sumo',
  'qrcode',
  'zod',
];

/** Folders whose code runs in Electron's main process (or is loaded by it) and is not bundled by Vite. */
const MAIN_PROCESS_SOURCE_DIRS = ['desktop/src', 'common'];
const BUNDLED_SOURCE_DIRS = ['desktop/src/renderer'];

export const GENERATED_BLOCK_BEGIN = '  # BEGIN server-only node_modules';
export const GENERATED_BLOCK_END = '  # END server-only node_modules';

interface LockPackage {
  readonly dev?: boolean;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
}

export interface Lockfile {
  readonly packages: Record<string, LockPackage>;
}

export function readLockfile(repoRoot: string): Lockfile {
  return JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as Lockfile;
}

export function readPackageJson(repoRoot: string): {
  name: string;
  version: string;
  main?: string;
  homepage?: string;
  author?: unknown;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
} {
  return JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
}

/** Node's resolution over lockfile paths: node_modules/a/node_modules/b, then up to node_modules/b. */
function resolveInLock(lock: Lockfile, fromPath: string, name: string): string | null {
  let base = fromPath;
  for (;;) {
    const candidate = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
    if (lock.packages[candidate] !== undefined) return candidate;
    if (base === '') return null;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut < 0 ? '' : base.slice(0, cut);
  }
}

/** Lockfile paths of `roots` and everything they depend on (optional dependencies included when installed). */
export function dependencyClosure(lock: Lockfile, roots: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const queue: string[] = [];
  for (const root of roots) {
    const path = resolveInLock(lock, '', root);
    if (path === null) throw new Error(`${root} is not installed (not in package-lock.json)`);
    queue.push(path);
  }
  while (queue.length > 0) {
    const path = queue.pop() as string;
    if (seen.has(path)) continue;
    seen.add(path);
    const entry = lock.packages[path] ?? {};
    for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
      const resolved = resolveInLock(lock, path, dep);
      if (resolved !== null) queue.push(resolved);
    }
  }
  return seen;
}

/** The package a bare import specifier names: 'a/b' → 'a', '@s/a/b' → '@s/a'. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
/** Provided by the Electron runtime, never installed into the package. */
const RUNTIME_PROVIDED = new Set(['electron']);

const IMPORT_PATTERNS = [
  // import x from 'a'; import { x } from 'a'; export { x } from 'a'  (not `import type` / `export type`)
  /^\s*(?:import|export)\s+(?!type\s)[^'";]*?\sfrom\s*['"]([^'"]+)['"]/gm,
  // import 'a';
  /^\s*import\s*['"]([^'"]+)['"]/gm,
  // import('a'), require('a')
  /\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g,
];

export function runtimeImportsOf(source: string): string[] {
  const found = new Set<string>();
  for (const pattern of IMPORT_PATTERNS) {
    for (const match of source.matchAll(pattern)) {
      const specifier = match[1] as string;
      if (specifier.startsWith('.') || specifier.startsWith('/')) continue;
      if (BUILTINS.has(specifier) || BUILTINS.has(packageNameOf(specifier))) continue;
      const name = packageNameOf(specifier);
      if (!RUNTIME_PROVIDED.has(name)) found.add(name);
    }
  }
  return [...found];
}

function listSourceFiles(dir: string, skip: ReadonlySet<string>): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry);
    if (skip.has(path) || entry === 'node_modules' || entry === 'dist' || entry === 'generated') continue;
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat === undefined) continue; // deleted while we walked
    if (stat.isDirectory()) files.push(...listSourceFiles(path, skip));
    else if (
      /\.(?:ts|tsx|mts|cts|js|mjs|cjs)$/.test(entry) &&
      !/\.test\.[cm]?[jt]sx?$/.test(entry) &&
      !entry.endsWith('.d.ts')
    ) {
      files.push(path);
    }
  }
  return files;
}

/** Packages imported at run time by code the Electron main process loads, with the files importing them. */
export function scanMainProcessImports(repoRoot: string): Map<string, string[]> {
  const skip = new Set(BUNDLED_SOURCE_DIRS.map((d) => join(repoRoot, d)));
  const result = new Map<string, string[]>();
  for (const dir of MAIN_PROCESS_SOURCE_DIRS) {
    for (const file of listSourceFiles(join(repoRoot, dir), skip)) {
      let source: string;
      try {
        source = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      for (const name of runtimeImportsOf(source)) {
        const importers = result.get(name) ?? [];
        importers.push(relative(repoRoot, file).split(sep).join('/'));
        result.set(name, importers);
      }
    }
  }
  return result;
}

/** 'node_modules/a/node_modules/@s/b' → '@s/b'. */
export function packageNameAt(lockPath: string): string {
  return lockPath.slice(lockPath.lastIndexOf('node_modules/') + 'node_modules/'.length);
}

export interface DependencySplit {
  /** Direct roots of the desktop side. */
  readonly desktopRoots: readonly string[];
  /** Lockfile paths the desktop app needs at run time. */
  readonly desktopClosure: ReadonlySet<string>;
  /** Top-level package names (node_modules/<name>) that only the server or the renderer bundle needs. */
  readonly excludedPackages: readonly string[];
}

export function splitDependencies(repoRoot: string, lock: Lockfile = readLockfile(repoRoot)): DependencySplit {
  const pkg = readPackageJson(repoRoot);
  const production = Object.keys(pkg.dependencies ?? {});
  const desktopRoots = [...new Set([...DESKTOP_RUNTIME_DEPENDENCIES, ...scanMainProcessImports(repoRoot).keys()])]
    .filter((name) => production.includes(name))
    .sort();
  const desktopClosure = dependencyClosure(lock, desktopRoots);
  const everything = dependencyClosure(lock, production);
  // electron-builder re-hoists the tree it copies, so a desktop package nested in the lockfile
  // (node_modules/qrcode/node_modules/pngjs) may land at node_modules/pngjs in the app. A name the desktop
  // needs at any depth is therefore never excluded, even if a server-only copy holds the top-level slot.
  const desktopNames = new Set([...desktopClosure].map(packageNameAt));
  const excluded = new Set<string>();
  for (const path of everything) {
    if (desktopClosure.has(path)) continue;
    // Only top-level folders need a pattern: a nested node_modules/a/node_modules/b goes with a.
    const name = path.slice('node_modules/'.length);
    if (!name.includes('/node_modules/') && !desktopNames.has(name)) excluded.add(name);
  }
  return { desktopRoots, desktopClosure, excludedPackages: [...excluded].sort() };
}

export function exclusionPattern(packageName: string): string {
  return `!node_modules/${packageName}{,/**/*}`;
}

/** electron-builder.yml with the generated block replaced by patterns for `packages`. */
export function withExclusionBlock(yml: string, packages: readonly string[]): string {
  const begin = yml.indexOf(GENERATED_BLOCK_BEGIN);
  const end = yml.indexOf(GENERATED_BLOCK_END);
  if (begin < 0 || end < begin) {
    throw new Error(
      `electron-builder.yml lost its generated block markers ("${GENERATED_BLOCK_BEGIN.trim()}" … "${GENERATED_BLOCK_END.trim()}")`,
    );
  }
  const beginLineEnd = yml.indexOf('\n', begin) + 1;
  const lines = packages.map((name) => `  - '${exclusionPattern(name)}'\n`).join('');
  return yml.slice(0, beginLineEnd) + lines + yml.slice(end);
}
