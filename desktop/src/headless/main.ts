/**
 * `npm run desktop:headless`: the desktop app without Electron. Runs the app service (the same one Electron
 * main hosts) and serves the built renderer on 127.0.0.1; open the printed URL in any browser.
 *
 *   SYMC_SERVER_URL  the Symc server (default http://127.0.0.1:8787)
 *   SYMC_DATA_DIR    local database and key files (default .data/desktop-headless); keys are 0600 files here,
 *                    not an OS keychain — this mode is for development, tests and servers you control.
 *   SYMC_PORT        port to listen on (default: a free one)
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppService } from '../app/app-service';
import { FileKeyVault } from '../core/keys/file-key-vault';
import { startHeadlessHost } from './host';
import { BRIDGE_FILE, RENDERER_DIR } from './paths';

async function main(): Promise<void> {
  if (!existsSync(path.join(RENDERER_DIR, 'index.html')) || !existsSync(BRIDGE_FILE)) {
    console.error('The renderer is not built yet: run `npm run build:desktop` first.');
    process.exit(1);
  }
  const dataDir = path.resolve(process.env['SYMC_DATA_DIR'] ?? '.data/desktop-headless');
  const app = new AppService({
    serverUrl: process.env['SYMC_SERVER_URL'] ?? 'http://127.0.0.1:8787',
    dataDir,
    vault: new FileKeyVault(path.join(dataDir, 'keys')),
    deviceName: `${os.hostname()} (headless)`.slice(0, 64),
    platform: process.platform === 'darwin' ? 'macos' : process.platform === 'win32' ? 'windows' : 'linux',
  });
  await app.start();
  const port = process.env['SYMC_PORT'] ? Number(process.env['SYMC_PORT']) : 0;
  const host = await startHeadlessHost({ app, rendererDir: RENDERER_DIR, bridgeFile: BRIDGE_FILE, port });
  console.log(
    `Symc desktop (headless) is running. Open:\n\n  ${host.url}\n\nThe URL carries a per-run access token. Ctrl+C stops.`,
  );
  const shutdown = async () => {
    await host.close();
    await app.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
