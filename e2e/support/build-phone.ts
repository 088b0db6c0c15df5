import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
export const PHONE_DIST = path.join(ROOT, 'mobile-pairing/dist');
const STAMP = path.join(PHONE_DIST, '.build-inputs');

/** Everything the phone bundle is made from: its sources, the shared code it imports, the config, the lockfile. */
const INPUTS = ['mobile-pairing/web', 'mobile-pairing/src/core', 'common', 'mobile-pairing/vite.config.mts', 'package-lock.json'];

function filesOf(entry: string): string[] {
  const full = path.join(ROOT, entry);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [entry];
  return readdirSync(full)
    .sort()
    .flatMap((name) => (/\.test\.tsx?$/.test(name) ? [] : filesOf(path.join(entry, name))));
}

export function phoneInputsHash(): string {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap(filesOf)) hash.update(file).update('\0').update(readFileSync(path.join(ROOT, file))).update('\0');
  return hash.digest('hex');
}

/**
 * Builds the phone web app unless mobile-pairing/dist was built from exactly the current sources (a content
 * hash of the inputs, not timestamps: a checkout or `git stash` changes mtimes without changing anything).
 */
export function ensurePhoneBuild(): { built: boolean; ms: number } {
  const started = Date.now();
  const inputs = phoneInputsHash();
  if (existsSync(path.join(PHONE_DIST, 'index.html')) && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === inputs) {
    return { built: false, ms: Date.now() - started };
  }
  const result = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'mobile-pairing/vite.config.mts', '--logLevel', 'warn'],
    // jest sets NODE_ENV=test, and Vite would then build React's development bundle with import.meta.env.DEV.
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } },
  );
  if (result.status !== 0) {
    throw new Error(`npm run build:phone failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  writeFileSync(STAMP, inputs);
  return { built: true, ms: Date.now() - started };
}
