import { statSync } from 'node:fs';
import { AppService } from '../desktop/src/app/app-service';
import { createHandlers } from '../desktop/src/app/handlers';
import { FileKeyVault } from '../desktop/src/core/keys/file-key-vault';
import { nowMs, peakRssMb } from './child';
import { percentile } from './report';

/**
 * The app side of the bench: the synced store reopened by the AppService with search (what Electron main and
 * `desktop:headless` host), through the real IPC handlers. Once to build the search index from the store (a
 * desktop that ran the sync in the app builds it at the end of its first sync), then restarted on the same
 * files: chat list, search readiness and query times of the restarted app.
 */
export interface AppMeasures {
  /** Building the encrypted index from the synced store (first app start after the sync). */
  readonly searchBuildMs: number;
  /** A synced app restarted on its store: start → `listChats` answered. */
  readonly restartToChatListMs: number;
  /** The same restart: start → search `ready` (the index opened from disk). */
  readonly searchReadyAfterRestartMs: number;
  readonly searchP50Ms: number;
  readonly searchP99Ms: number;
  readonly searchQueries: number;
  /** Peak RSS of the desktop process (sync included), with search ready. */
  readonly appPeakRssMb: number;
  /** The index file's size on disk. */
  readonly searchIndexMb: number;
}

/** Words of the seeded text (bench/seed-bulk.ts): common and rare words, prefixes, several words, no match. */
const QUERIES = ['meeting', 'flight hotel', 'birth', 'tick foot', 'coffee deadline review', 'wea', 'zzyzx', 'the'];
const ROUNDS = 5;

async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export async function measureApp(linked: { serverUrl: string; dir: string; maxBytes: number }): Promise<AppMeasures> {
  const open = async () => {
    const app = new AppService({
      serverUrl: linked.serverUrl,
      dataDir: linked.dir,
      vault: new FileKeyVault(`${linked.dir}/keys`),
      deviceName: 'Bench desktop',
      platform: 'linux',
      budget: { maxChats: 100, maxBytes: linked.maxBytes },
    });
    const handlers = createHandlers(app);
    const started = nowMs();
    await app.start();
    await handlers.listChats({});
    return { app, handlers, started, chatList: nowMs() - started };
  };

  const first = await open();
  const buildStarted = nowMs();
  await until(() => first.app.searchIndex().ready, 600_000, 'the search index build');
  const searchBuildMs = nowMs() - buildStarted;
  await first.app.stop();

  const { app, handlers, started, chatList } = await open();
  await until(() => app.searchIndex().ready, 600_000, 'search after the restart');
  const searchReadyAfterRestartMs = nowMs() - started;
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++)
    for (const query of QUERIES) {
      const t0 = nowMs();
      await handlers.search({ query });
      times.push(nowMs() - t0);
    }
  const appPeakRssMb = peakRssMb();
  const searchIndexMb = statSync(`${linked.dir}/symc-search.db`).size / 2 ** 20;
  await app.stop();
  return {
    searchBuildMs,
    restartToChatListMs: chatList,
    searchReadyAfterRestartMs,
    searchP50Ms: percentile(times, 50),
    searchP99Ms: percentile(times, 99),
    searchQueries: times.length,
    appPeakRssMb,
    searchIndexMb,
  };
}
