// @ts-check
/**
 * postinstall: generates both Prisma clients (server/src/db/generated/{sqlite,postgres}) from
 * prisma/schema.prisma and prisma/postgres/schema.prisma.
 *
 * `prisma generate` does not need the native schema engine, but tries to download it unless
 * PRISMA_SCHEMA_ENGINE_BINARY names an existing executable; the download fails on machines without
 * internet, so we point it at /bin/false (migrations use the WebAssembly engine instead, see
 * prisma/engine/). Set SKIP_PRISMA_GENERATE=1 to skip this step.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const schemas = ['prisma/schema.prisma', 'prisma/postgres/schema.prisma'];

/** @param {string} message */
function fail(message) {
  console.error(`prisma-generate: ${message}`);
  process.exit(1);
}

if (process.env.SKIP_PRISMA_GENERATE === '1') {
  console.log('prisma-generate: skipped (SKIP_PRISMA_GENERATE=1).');
  process.exit(0);
}

let cli;
try {
  cli = createRequire(path.join(root, 'package.json')).resolve('prisma/build/index.js');
} catch {
  fail(
    'the "prisma" CLI is not installed (it is a devDependency); install dev dependencies or set SKIP_PRISMA_GENERATE=1.',
  );
}

const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) {
  // Any existing executable stops the download; it is never run by `generate`.
  env.PRISMA_SCHEMA_ENGINE_BINARY = fs.existsSync('/bin/false') ? '/bin/false' : process.execPath;
}
env.PRISMA_HIDE_UPDATE_MESSAGE = '1';

for (const schema of schemas) {
  if (!fs.existsSync(path.join(root, schema))) fail(`${schema} is missing.`);
  const result = spawnSync(process.execPath, [/** @type {string} */ (cli), 'generate', '--schema', schema], {
    cwd: root,
    env,
    encoding: 'utf8',
  });
  if (result.error) fail(`could not run prisma generate for ${schema}: ${result.error.message}`);
  if (result.status !== 0) {
    process.stderr.write(result.stdout ?? '');
    process.stderr.write(result.stderr ?? '');
    fail(`prisma generate failed for ${schema} (exit code ${result.status}); see the output above.`);
  }
  const done = /Generated Prisma Client[^\n]*/.exec(result.stdout ?? '');
  console.log(`prisma-generate: ${schema}: ${done ? done[0].trim() : 'generated'}`);
}
