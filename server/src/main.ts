import { ConfigError, loadConfig } from './config';
import { StartupError } from './db/sqlite-file';
import { startServer } from './server';

/** `npm run server` (after building the phone app): configuration from the environment (see README), graceful stop on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
  const server = await startServer(config);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.deps.logger.info({ signal }, 'stopping');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.deps.logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  const message =
    error instanceof ConfigError || error instanceof StartupError
      ? error.message
      : `The server could not start: ${String(error)}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
