import {
  exclusionPattern,
  packageNameOf,
  runtimeImportsOf,
  withExclusionBlock,
  GENERATED_BLOCK_BEGIN,
  GENERATED_BLOCK_END,
} from './node-modules';

describe('which imports the main process needs at run time', () => {
  test('value imports, re-exports, side-effect imports, require and import() count; subpaths map to the package', () => {
    const source = [
      "import Database from 'better-sqlite3';",
      "import { z } from 'zod/v4';",
      "export { x } from '@scope/pkg/deep/file';",
      "import 'side-effect';",
      "const q = require('qrcode');",
      "const m = await import('minisearch');",
    ].join('\n');
    expect(runtimeImportsOf(source).sort()).toEqual([
      '@scope/pkg',
      'better-sqlite3',
      'minisearch',
      'qrcode',
      'side-effect',
      'zod',
    ]);
  });

  test('type-only imports, relative paths, Node built-ins and electron itself do not', () => {
    const source = [
      "import type { Database } from 'better-sqlite3';",
      "export type { Thing } from 'some-types';",
      "import { join } from 'node:path';",
      "import fs from 'fs';",
      "import { app } from 'electron';",
      "import { helper } from './helper';",
      "import { contract } from '../../common/contract';",
    ].join('\n');
    expect(runtimeImportsOf(source)).toEqual([]);
  });

  test('scoped names keep their scope', () => {
    expect(packageNameOf('@prisma/client/runtime')).toBe('@prisma/client');
    expect(packageNameOf('express')).toBe('express');
  });
});

describe('the generated block of electron-builder.yml', () => {
  const yml = `files:\n  - a/**/*\n${GENERATED_BLOCK_BEGIN} (generated)\n  - "!node_modules/old{,/**/*}"\n${GENERATED_BLOCK_END}\n\nasar: true\n`;

  test('is replaced between its markers and nothing else changes', () => {
    const out = withExclusionBlock(yml, ['express', '@prisma/client']);
    expect(out).toBe(
      `files:\n  - a/**/*\n${GENERATED_BLOCK_BEGIN} (generated)\n  - '${exclusionPattern('express')}'\n  - '${exclusionPattern('@prisma/client')}'\n${GENERATED_BLOCK_END}\n\nasar: true\n`,
    );
  });

  test('a yml that lost its markers is refused rather than silently left unfiltered', () => {
    expect(() => withExclusionBlock('files:\n  - a/**/*\n', ['express'])).toThrow(/markers/);
  });
});
