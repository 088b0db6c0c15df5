import type { Config } from 'jest';

// One `npm test` runs everything CI runs on a fresh machine (PostgreSQL/Redis tests have their own
// command, `npm run test:pg`, which .ci/run runs after making sure the services are up).
const config: Config = {
  testEnvironment: 'node',
  // Tests compile to plain CommonJS: under Node16 rules TypeScript keeps the generated Prisma clients'
  // `await import(...)` of the query compiler, which jest's CJS sandbox rejects.
  transform: {
    '^.+\\.tsx?$': [
      'ts-jest',
      {
        tsconfig: { module: 'commonjs', moduleResolution: 'node10', ignoreDeprecations: '5.0', jsx: 'react-jsx' },
      },
    ],
  },
  // The generated Prisma clients import their siblings as './x.js' (ESM style); resolve those to the .ts files.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // .tsx too: a component test must never be silently left out (the renderer's own tests run in Chromium, e2e/).
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  testPathIgnorePatterns: ['/node_modules/', '\\.pg\\.test\\.ts$'],
  testTimeout: 30_000,
};

export default config;
