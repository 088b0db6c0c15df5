/**
 * Loads electron-builder.yml the way electron-builder does (same loader, same defaults, same
 * normalisation of `files`), for the checks in release/*.test.ts. These are electron-builder internals
 * (app-builder-lib/out/...), pinned by package-lock.json; if an upgrade moves them, these tests fail
 * loudly rather than silently checking nothing.
 */
import { join } from 'node:path';

import type { Configuration } from 'app-builder-lib';
import { getConfig } from 'app-builder-lib/out/util/config/config';
import { setPrinter } from 'builder-util';

export const REPO_ROOT = join(__dirname, '..');
export const CONFIG_FILE = 'electron-builder.yml';

/** electron-builder logs "loaded configuration" through its own printer; keep test output clean. */
export function silenceBuilderLog(): void {
  setPrinter(() => undefined);
}

export async function loadBuilderConfig(projectDir: string = REPO_ROOT): Promise<Configuration> {
  return getConfig(projectDir, join(projectDir, CONFIG_FILE), null);
}

/** The string patterns of the (single, root) `files` set, after electron-builder's normalisation. */
export function filePatterns(config: Configuration): string[] {
  const sets = Array.isArray(config.files) ? config.files : config.files == null ? [] : [config.files];
  return sets.flatMap((set) => {
    if (typeof set === 'string') return [set];
    const filter = set.filter;
    return filter == null ? [] : Array.isArray(filter) ? filter : [filter];
  });
}
