/**
 * Rewrites the generated block of electron-builder.yml: one exclusion pattern per top-level package that
 * only the server (or the Vite-bundled renderer) needs. Run after changing dependencies:
 *   npm run release:node-modules
 * release/electron-builder-config.test.ts fails while the block is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { splitDependencies, withExclusionBlock } from './node-modules';

const repoRoot = join(__dirname, '..');
const ymlPath = join(repoRoot, 'electron-builder.yml');
const split = splitDependencies(repoRoot);
const before = readFileSync(ymlPath, 'utf8');
const after = withExclusionBlock(before, split.excludedPackages);
if (after === before) {
  console.log(`electron-builder.yml is up to date (${split.excludedPackages.length} packages excluded).`);
} else {
  writeFileSync(ymlPath, after);
  console.log(
    `electron-builder.yml: ${split.excludedPackages.length} packages excluded; desktop roots: ${split.desktopRoots.join(', ')}`,
  );
}
