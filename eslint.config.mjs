// ESLint flat config. `npm run lint`; `npm test` runs it after the typecheck.
// Formatting is Prettier's job (.prettierrc.json); eslint-config-prettier turns off every rule that would fight it.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import layering from './scripts/eslint/layering.cjs';

// Code whose promises matter most: the server, the desktop's Node side (core, app service, Electron shell,
// headless host) and the phone's core and CLI, tests included (an un-awaited assertion passes silently).
// Type-aware rules need a TypeScript program, so they run only here — one program from the root tsconfig,
// which covers all of these; the browser-side code has its own tsconfigs and is linted without types.
const typeAwareFiles = [
  'server/src/**/*.ts',
  'desktop/src/core/**/*.ts',
  'desktop/src/app/**/*.ts',
  'desktop/src/main/**/*.ts',
  'desktop/src/preload/**/*.ts',
  'desktop/src/headless/*.ts',
  'mobile-pairing/src/**/*.ts',
];
const browserFiles = [
  'desktop/src/renderer/**/*.{ts,tsx}',
  'desktop/src/headless/bridge/**/*.ts',
  'mobile-pairing/web/**/*.{ts,tsx}',
];

export default defineConfig(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/generated/**',
      'test-artifacts/**',
      '.data/**',
      'bench/results/**',
    ],
  },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,mts,mjs,cjs,js}'],
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      // `_`-prefixed names are deliberately unused (a callback's position, a destructured rest).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.{ts,tsx,mts}'],
    rules: {
      // TypeScript's own noFallthroughCasesInSwitch (on in every tsconfig here) checks the same thing with
      // types: it knows that an exhaustive inner switch whose cases all return cannot fall through; this
      // rule doesn't, and would ask for unreachable `break`s.
      'no-fallthrough': 'off',
    },
  },
  {
    // CommonJS by definition (the layering plugin is one, so jest can load it too).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  { files: browserFiles, languageOptions: { globals: { ...globals.browser } } },
  { files: ['mobile-pairing/web/src/sw/**/*.ts'], languageOptions: { globals: { ...globals.serviceworker } } },
  {
    files: typeAwareFiles,
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  // The runtime folders' import rules (scripts/eslint/layering.cjs; docs/ARCHITECTURE.md, "Layering rules").
  { plugins: { symc: layering.layeringPlugin }, rules: { 'symc/layering': 'error' } },
  {
    // The app layer sees the core as `AppCore` (no store, no sync engine): it asks, it never reaches through.
    // Only linked-core.ts opens a DesktopCore; tests hold the whole one.
    files: ['desktop/src/{app,main,headless}/**/*.ts'],
    ignores: ['desktop/src/app/linked-core.ts', '**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '../core/desktop-core',
              importNames: ['DesktopCore'],
              message: 'The app layer uses AppCore (desktop-core.ts): ask the core, do not reach through it.',
            },
          ],
        },
      ],
    },
  },
  prettier,
);
