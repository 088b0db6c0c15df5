import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Linter } from 'eslint';
import * as tsParser from '@typescript-eslint/parser';

// The rule's own module is CommonJS so that both eslint.config.mjs and this test load it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { layeringPlugin } = require('./layering.cjs') as {
  layeringPlugin: NonNullable<Linter.Config['plugins']>[string];
};

const ROOT = path.resolve(__dirname, '../..');

/** The layering problems ESLint reports for `code` as if it lived at `file` (repo-relative). */
function layeringProblems(file: string, code: string): string[] {
  const linter = new Linter({ configType: 'flat', cwd: ROOT });
  const config: Linter.Config[] = [
    {
      files: ['**/*.ts', '**/*.tsx'],
      languageOptions: { parser: tsParser as Linter.Parser, parserOptions: { ecmaFeatures: { jsx: true } } },
      plugins: { symc: layeringPlugin },
      rules: { 'symc/layering': 'error' },
    },
  ];
  const messages = linter.verify(code, config, { filename: path.join(ROOT, file) });
  const fatal = messages.find((m) => m.fatal);
  if (fatal) throw new Error(`could not parse the fixture: ${fatal.message}`);
  return messages.filter((m) => m.ruleId === 'symc/layering').map((m) => m.message);
}

describe('symc/layering', () => {
  it.each([
    ['common/contract/x.ts', "import { readFileSync } from 'node:fs';", /runs without Node/],
    ['common/content/x.ts', "import path from 'path';", /runs without Node/],
    ['common/contract/x.ts', "import { app } from 'electron';", /only desktop\/src\/main/],
    ['common/contract/x.ts', "import { x } from '../../desktop/src/core/desktop-core';", /common\/ may import only/],
    ['desktop/src/core/x.ts', "import { app } from 'electron';", /only desktop\/src\/main/],
    ['desktop/src/app/x.ts', "const electron = require('electron');", /only desktop\/src\/main/],
    [
      'desktop/src/core/x.ts',
      "import { AppService } from '../app/app-service';",
      /desktop\/src\/core\/ may import only/,
    ],
    [
      'desktop/src/renderer/src/x.tsx',
      "import { LocalStore } from '../../core/store/local-store';",
      /renderer\/ may import only/,
    ],
    [
      'desktop/src/renderer/src/x.tsx',
      "import { api } from '../../../../common/contract';",
      /renderer\/ may import only/,
    ],
    ['desktop/src/renderer/src/x.tsx', "import { readFile } from 'node:fs/promises';", /runs without Node/],
    [
      'mobile-pairing/web/src/x.tsx',
      "import { DesktopCore } from '../../../desktop/src/core/desktop-core';",
      /web\/ may import only/,
    ],
    ['mobile-pairing/web/src/x.tsx', "import express from 'express';", /may import only these packages/],
    [
      'server/src/modules/x/y.ts',
      "import { sodium } from '../../../../common/crypto/sodium';",
      /common\/crypto\/'s internals/,
    ],
    [
      'server/src/modules/x/y.ts',
      "export { api } from '../../../../common/contract/http/api';",
      /common\/contract\/'s internals/,
    ],
    [
      'server/src/modules/x/y.ts',
      "import sodium from 'libsodium-wrappers-sumo';",
      /only common\/crypto\/ imports libsodium/,
    ],
    [
      'server/src/x.ts',
      "const m = await import('../../mobile-pairing/src/core/account');",
      /server\/src\/ may import only/,
    ],
    ['e2e/x.test.ts', "import { sodium } from '../common/crypto/sodium';", /common\/crypto\/'s internals/],
    [
      'server/src/modules/drafts/x.ts',
      "import { planFreshSync } from '../sync/sync-plan';",
      /server\/src\/modules\/sync\/'s internals: import server\/src\/modules\/sync\/sync.routes \(or/,
    ],
    ['server/src/app.ts', "import { x } from './modules/pairing/pairing.use-cases';", /modules\/pairing\/'s internals/],
  ])('%s: refuses %s', (file, code, expected) => {
    const problems = layeringProblems(file, code);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });

  it.each([
    ['common/content/x.ts', "import { z } from 'zod';\nimport { encryptJson } from '../crypto';"],
    ['common/crypto/x.ts', "import { sodium } from './sodium';\nimport s from 'libsodium-wrappers-sumo';"],
    ['common/contract/x.test.ts', "import { randomUUID } from 'node:crypto';"],
    [
      'server/src/modules/sync/x.ts',
      "import { planFreshSync } from './sync-plan';\nimport { appendChange } from '../changes/change-log';",
    ],
    ['desktop/src/main/x.ts', "import { app } from 'electron';\nimport { AppService } from '../app/app-service';"],
    [
      'desktop/src/preload/x.ts',
      "import { contextBridge } from 'electron';\nimport { createSymcApi } from '../../../common/contract/ipc-client';",
    ],
    [
      'desktop/src/renderer/src/x.tsx',
      "import type { SymcApi } from '../../../../common/contract/ipc';\nimport { create } from 'zustand';",
    ],
    [
      'mobile-pairing/web/src/x.tsx',
      "import { signIn } from '../../src/core/account';\nimport { api } from '../../../common/contract';",
    ],
    ['server/src/x.ts', "import { initCrypto } from '../../common/crypto';\nimport express from 'express';"],
  ])('%s: allows %s', (file, code) => {
    expect(layeringProblems(file, code)).toEqual([]);
  });

  it('is switched on by the project config (eslint.config.mjs), for type-aware folders too', () => {
    // ESLint loads its config with import(), which jest's CommonJS sandbox can't do: ask a real Node.
    const script = `
      const { ESLint } = require('eslint');
      (async () => {
        const eslint = new ESLint({ cwd: process.cwd() });
        const out = [];
        for (const [filePath, code] of JSON.parse(process.argv[1])) {
          const [result] = await eslint.lintText(code, { filePath });
          out.push(result.messages.map((m) => m.ruleId));
        }
        process.stdout.write(JSON.stringify(out));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const fixtures = [
      [
        'common/contract/layering-fixture.ts',
        "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n",
      ],
      // An existing file's path (a type-aware folder needs a file the TypeScript project knows).
      [
        'server/src/modules/pairing/pairing-code.ts',
        "import { sodium } from '../../../../common/crypto/sodium';\nexport const s = sodium;\n",
      ],
    ];
    const output = execFileSync(process.execPath, ['-e', script, JSON.stringify(fixtures)], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(JSON.parse(output)).toEqual([['symc/layering'], ['symc/layering']]);
  });
});
