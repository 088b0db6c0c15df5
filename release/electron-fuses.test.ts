/**
 * Electron fuses of the packaged app, read from electron-builder.yml the way electron-builder reads it and
 * validated with its schema. electron-builder hands `electronFuses` to @electron/fuses right before signing;
 * release/packaged-files.test.ts checks the wire it flips in a real packaging run.
 */
import type { Configuration } from 'app-builder-lib';
import { validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { DebugLogger } from 'builder-util';

import { loadBuilderConfig, silenceBuilderLog } from './builder-config';

type Fuses = NonNullable<Configuration['electronFuses']>;

/** What the packaged Symc must have: every fuse that lets another program run code as Symc is off. */
const REQUIRED_FUSES: Readonly<Partial<Record<keyof Fuses, boolean>>> = {
  runAsNode: false,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableCookieEncryption: true,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
};

/** The fuses that are missing or set the wrong way, named. */
function wrongFuses(fuses: Fuses | null | undefined): string[] {
  return Object.entries(REQUIRED_FUSES)
    .filter(([name, wanted]) => fuses?.[name as keyof Fuses] !== wanted)
    .map(([name, wanted]) => `${name} must be ${String(wanted)}`);
}

let config: Configuration;

beforeAll(async () => {
  silenceBuilderLog();
  config = await loadBuilderConfig();
});

test('electron-builder.yml (with its fuses) validates against electron-builder’s schema', async () => {
  expect(config.electronFuses).toBeDefined();
  await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
});

test('every required fuse is set the safe way', () => {
  expect(wrongFuses(config.electronFuses)).toEqual([]);
});

test('the check fails when a fuse is missing or flipped the wrong way (control)', () => {
  const fuses = config.electronFuses!;
  const { runAsNode: _dropped, ...withoutRunAsNode } = fuses;
  expect(wrongFuses(withoutRunAsNode)).toEqual(['runAsNode must be false']);
  expect(wrongFuses({ ...fuses, onlyLoadAppFromAsar: false })).toEqual(['onlyLoadAppFromAsar must be true']);
  expect(wrongFuses(null)).toHaveLength(Object.keys(REQUIRED_FUSES).length);
});

test('the schema refuses a misspelt fuse (so a typo cannot silently leave a fuse at Electron’s default)', async () => {
  const typo = { ...config, electronFuses: { ...config.electronFuses, runAsNodes: false } } as unknown as Configuration;
  await expect(validateConfiguration(typo, new DebugLogger(false))).rejects.toThrow(/electronFuses/);
});
