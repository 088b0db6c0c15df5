/**
 * A desktop app process for tests that kill it for real: the AppService (what Electron main and the headless
 * host run) on SYMC_DATA_DIR with file keys, answering IPC requests read as JSON lines on stdin
 * ({ id, method, args } → { id, result } | { id, error }) through the real handlers. Prints `{"ready":true}`
 * once the search index covers the history.
 */
import path from 'node:path';
import { createInterface } from 'node:readline';
import { AppService } from '../../desktop/src/app/app-service';
import { createHandlers } from '../../desktop/src/app/handlers';
import { FileKeyVault } from '../../desktop/src/core/keys/file-key-vault';

async function main(): Promise<void> {
  const dataDir = process.env['SYMC_DATA_DIR']!;
  const app = new AppService({
    serverUrl: process.env['SYMC_SERVER_URL']!,
    dataDir,
    vault: new FileKeyVault(path.join(dataDir, 'keys')),
    deviceName: 'Test app host',
    platform: 'linux',
    backoff: { initialMs: 20, maxMs: 200 },
  });
  const started = Date.now();
  await app.start();
  const handlers = createHandlers(app) as unknown as Record<string, (args: unknown) => unknown>;
  const write = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
  const ready = setInterval(() => {
    if (!app.searchIndex().ready) return;
    clearInterval(ready);
    write({ ready: true, ms: Date.now() - started });
  }, 10);
  createInterface({ input: process.stdin }).on('line', (line) => {
    const { id, method, args } = JSON.parse(line) as { id: number; method: string; args: unknown };
    Promise.resolve()
      .then(() => handlers[method]!(args))
      .then(
        (result) => write({ id, result }),
        (error: unknown) => write({ id, error: error instanceof Error ? error.message : String(error) }),
      );
  });
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
