import type { Config } from 'jest';
import { ESM_ONLY_IGNORE, ESM_ONLY_TRANSFORM } from './jest.esm-only';

// `npm run test:pg`: the tests that need PostgreSQL (127.0.0.1:5432, or PG_ADMIN_URL). The main
// config (jest.config.ts) ignores *.pg.test.ts.
const config: Config = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  // tsconfig.json with `module: commonjs`: under Node16 rules TypeScript keeps the generated Prisma
  // clients' `await import(...)` (of the query compiler), which jest's CJS sandbox rejects
  // ("A dynamic import callback was invoked without --experimental-vm-modules").
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: { module: 'commonjs', moduleResolution: 'node10' } }],
    [ESM_ONLY_TRANSFORM]: [
      'ts-jest',
      { tsconfig: { allowJs: true, module: 'commonjs', moduleResolution: 'node10', ignoreDeprecations: '5.0' } },
    ],
  },
  // @tus/server and its dependencies ship ES modules only; compile them to CommonJS like our own files.
  transformIgnorePatterns: [ESM_ONLY_IGNORE],
  // The generated Prisma clients import their own .ts files with ".js" extensions (Node16 style).
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['**/*.pg.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 60_000,
};

export default config;
