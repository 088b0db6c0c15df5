import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');

export interface BuildSpec {
  /** What is built, for the error message (`npm run build:phone`). */
  readonly name: string;
  /** Everything the outputs are made from, relative to the repository root (folders recursively; tests don't count). */
  readonly inputs: readonly string[];
  /** Files a finished build leaves; a missing one means build again. */
  readonly outputs: readonly string[];
  /** Where the hash of the inputs of the last build is kept. */
  readonly stamp: string;
  /** The build, as arguments to this Node, run from the repository root. */
  readonly nodeArgs: readonly string[];
}

function filesOf(entry: string): string[] {
  const full = path.join(ROOT, entry);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [entry];
  return readdirSync(full)
    .sort()
    .flatMap((name) => (/\.test\.tsx?$/.test(name) ? [] : filesOf(path.join(entry, name))));
}

/** A content hash of every input file (names and bytes). */
export function inputsHash(inputs: readonly string[]): string {
  const hash = createHash('sha256');
  for (const file of inputs.flatMap(filesOf))
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(path.join(ROOT, file)))
      .update('\0');
  return hash.digest('hex');
}

/**
 * Runs the build unless its outputs were built from exactly the current sources (a content hash of the
 * inputs, not timestamps: a checkout or `git stash` changes mtimes without changing anything).
 */
export function buildWhenChanged(spec: BuildSpec): { built: boolean; ms: number } {
  const started = Date.now();
  const inputs = inputsHash(spec.inputs);
  if (
    spec.outputs.every((file) => existsSync(file)) &&
    existsSync(spec.stamp) &&
    readFileSync(spec.stamp, 'utf8') === inputs
  ) {
    return { built: false, ms: Date.now() - started };
  }
  const result = spawnSync(process.execPath, [...spec.nodeArgs], {
    cwd: ROOT,
    encoding: 'utf8',
    // jest sets NODE_ENV=test, and Vite would then build React's development bundle with import.meta.env.DEV.
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (result.status !== 0)
    throw new Error(`${spec.name} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  writeFileSync(spec.stamp, inputs);
  return { built: true, ms: Date.now() - started };
}
