/**
 * `npm run build:desktop` (via tsx): everything the desktop app runs, into desktop/dist.
 *
 *   renderer  desktop/dist/renderer   React UI (desktop/vite.config.mts)
 *   bridge    desktop/dist/headless   window.symc over HTTP for the headless host (browser, one file)
 *   electron  desktop/dist/main/main.js and desktop/dist/preload/preload.js
 *
 * Main and preload are bundled rather than compiled file by file: a sandboxed preload may require only
 * 'electron', so it must be one self-contained file; and bundling main (with the app service, core and
 * common code it imports) keeps desktop/dist/main/main.js — package.json "main" — free of relative
 * paths into the source tree. Packages from node_modules stay external (native better-sqlite3 above all).
 *
 * Usage: tsx desktop/build.mts [renderer] [bridge] [electron]   (no argument: all three)
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { build, type InlineConfig } from 'vite';

const here = import.meta.dirname;
const root = path.resolve(here, '..');
const dist = path.join(here, 'dist');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

/** Node built-ins, electron and every production dependency (and their subpaths) stay require()s. */
const nodeExternal = (id: string): boolean =>
  id === 'electron' ||
  id.startsWith('node:') ||
  builtinModules.includes(id) ||
  Object.keys(pkg.dependencies).some((dep) => id === dep || id.startsWith(`${dep}/`));

function nodeBundle(entry: string, outDir: string, fileName: string, external: (id: string) => boolean): InlineConfig {
  return {
    configFile: false,
    logLevel: 'warn',
    mode: 'production',
    build: {
      outDir,
      emptyOutDir: true,
      target: 'node20',
      ssr: entry,
      minify: false,
      sourcemap: false,
      rolldownOptions: {
        external,
        output: { format: 'cjs', entryFileNames: fileName, codeSplitting: false },
      },
    },
    ssr: { noExternal: true, target: 'node' },
  };
}

const targets = {
  renderer: (): InlineConfig => ({
    configFile: path.join(here, 'vite.config.mts'),
    logLevel: 'warn',
    mode: 'production',
  }),
  bridge: (): InlineConfig => ({
    configFile: false,
    logLevel: 'warn',
    mode: 'production',
    build: {
      outDir: path.join(dist, 'headless'),
      emptyOutDir: true,
      target: 'chrome130',
      sourcemap: false,
      lib: {
        entry: path.join(here, 'src/headless/bridge/symc-bridge.ts'),
        formats: ['es'],
        fileName: () => 'symc-bridge.js',
      },
    },
  }),
  main: () => nodeBundle(path.join(here, 'src/main/main.ts'), path.join(dist, 'main'), 'main.js', nodeExternal),
  // Sandboxed: only 'electron' may be required; zod and the contract are bundled in.
  preload: () =>
    nodeBundle(
      path.join(here, 'src/preload/preload.ts'),
      path.join(dist, 'preload'),
      'preload.js',
      (id) => id === 'electron',
    ),
} satisfies Record<string, () => InlineConfig>;

const wanted = process.argv.slice(2);
const names = (wanted.length === 0 ? ['renderer', 'bridge', 'electron'] : wanted).flatMap((name) =>
  name === 'electron' ? ['main', 'preload'] : [name],
);
for (const name of names) {
  const target = targets[name as keyof typeof targets];
  if (!target) throw new Error(`unknown build target "${name}" (renderer, bridge, electron)`);
  // Vite reads NODE_ENV to pick React's production build; jest and shells may set it to something else.
  process.env['NODE_ENV'] = 'production';
  await build(target());
  console.log(`built ${name}`);
}
