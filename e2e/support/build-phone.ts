import path from 'node:path';
import { buildWhenChanged, ROOT } from './build-when-changed';

export const PHONE_DIST = path.join(ROOT, 'mobile-pairing/dist');

/** Builds the phone web app unless mobile-pairing/dist was built from exactly the current sources. */
export function ensurePhoneBuild(): { built: boolean; ms: number } {
  return buildWhenChanged({
    name: 'npm run build:phone',
    // Its sources, the shared code it imports, the config, the lockfile.
    inputs: [
      'mobile-pairing/web',
      'mobile-pairing/src/core',
      'common',
      'mobile-pairing/vite.config.mts',
      'package-lock.json',
    ],
    outputs: [path.join(PHONE_DIST, 'index.html')],
    stamp: path.join(PHONE_DIST, '.build-inputs'),
    nodeArgs: [
      path.join(ROOT, 'node_modules/vite/bin/vite.js'),
      'build',
      '--config',
      'mobile-pairing/vite.config.mts',
      '--logLevel',
      'warn',
    ],
  });
}
