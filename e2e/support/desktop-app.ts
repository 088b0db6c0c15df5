import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { AppService } from '../../desktop/src/app/app-service';
import { FileKeyVault } from '../../desktop/src/core/keys/file-key-vault';
import { type HeadlessHost, startHeadlessHost } from '../../desktop/src/headless/host';
import { BRIDGE_FILE, DESKTOP_DIST, RENDERER_DIR } from '../../desktop/src/headless/paths';
import { buildWhenChanged, ROOT } from './build-when-changed';
import type { PolicyUpdates } from './policy-updates';

/**
 * Builds the renderer, the headless bridge and the Electron bundles unless desktop/dist was built from
 * exactly the current sources (content hash, as for the phone app).
 */
export function ensureDesktopBuild(): { built: boolean; ms: number } {
  return buildWhenChanged({
    name: 'npm run build:desktop',
    inputs: ['desktop/src', 'common', 'desktop/vite.config.mts', 'desktop/build.mts', 'package-lock.json'],
    outputs: [
      path.join(RENDERER_DIR, 'index.html'),
      BRIDGE_FILE,
      path.join(DESKTOP_DIST, 'main/main.js'),
      path.join(DESKTOP_DIST, 'preload/preload.js'),
    ],
    stamp: path.join(DESKTOP_DIST, '.build-inputs'),
    nodeArgs: [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'desktop/build.mts'],
  });
}

export interface RunningDesktopApp {
  readonly app: AppService;
  readonly host: HeadlessHost;
  readonly dataDir: string;
  stop(): Promise<void>;
}

/** The desktop app as `npm run desktop:headless` runs it: the app service behind the headless host. */
export async function startDesktopApp(
  serverUrl: string,
  dataDir: string,
  updates?: PolicyUpdates,
): Promise<RunningDesktopApp> {
  mkdirSync(dataDir, { recursive: true });
  const app = new AppService({
    serverUrl,
    dataDir,
    vault: new FileKeyVault(path.join(dataDir, 'keys')),
    deviceName: 'E2E desktop',
    platform: 'linux',
    backoff: { initialMs: 20, maxMs: 200 },
    ...(updates ? { updates } : {}),
  });
  if (updates) updates.listener = (status) => app.updateStatusChanged(status);
  await app.start();
  const host = await startHeadlessHost({ app, rendererDir: RENDERER_DIR, bridgeFile: BRIDGE_FILE });
  return {
    app,
    host,
    dataDir,
    async stop() {
      await host.close();
      await app.stop();
    },
  };
}
