import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import type { ApiClient } from '../../common/contract';
import path from 'node:path';
import { AppService } from '../../desktop/src/app/app-service';
import { FileKeyVault } from '../../desktop/src/core/keys/file-key-vault';
import { type HeadlessHost, startHeadlessHost } from '../../desktop/src/headless/host';
import { BRIDGE_FILE, DESKTOP_DIST, RENDERER_DIR } from '../../desktop/src/headless/paths';
import { buildWhenChanged, ROOT } from './build-when-changed';
import type { PolicyUpdates } from './policy-updates';
import type { PhoneSession } from '../../mobile-pairing/src/core/account';
import { approvePairing, lookupPairing, parsePairingInput } from '../../mobile-pairing/src/core/pairing';
import type { TestServer } from '../../server/test/support/test-server';
import { until } from './desktop';

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

/**
 * The phone approves the desktop app on `page` the way a user without a camera does: it reads the pairing
 * link and the check code the pairing screen shows (waiting for them), and approves with both.
 */
export async function approveFromScreen(page: Page, phone: { api: ApiClient; session: PhoneSession }): Promise<void> {
  const link = await page.getByLabel('Pairing link').inputValue({ timeout: 30_000 });
  const checkCode = (await page.getByLabel('Check code').textContent())!.trim();
  await approvePairing(phone.api, phone.session, await lookupPairing(phone.api, parsePairingInput(link)), checkCode);
}

/** The phone approves whatever QR the app shows now (read from the app's own state, as a camera would). */
export async function approveShownQr(app: AppService, phone: { api: ApiClient; session: PhoneSession }): Promise<void> {
  await until(() => app.snapshot().pairing.kind === 'showing', 15_000, 'a QR on screen');
  const shown = app.snapshot().pairing;
  if (shown.kind !== 'showing') throw new Error('no QR');
  await approvePairing(phone.api, phone.session, await lookupPairing(phone.api, parsePairingInput(shown.link)));
}

/** 30 days without use, as the server's session rows see it: the device's sessions expire now. */
export async function expireDeviceSessions(server: TestServer, deviceId: string): Promise<void> {
  const past = new Date(Date.now() - 1000);
  await server.server.deps.db.session.updateMany({
    where: { deviceId },
    data: { accessExpiresAt: past, refreshExpiresAt: past },
  });
}
