import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createApiClient, type ApiClient } from '../../../common/contract';
import { loadConfig } from '../../src/config';
import type { Clock } from '../../src/modules/devices/inactivity-sweep';
import { type RunningServer, startServer } from '../../src/server';

export interface TestServer {
  readonly server: RunningServer;
  readonly url: string;
  readonly dataDir: string;
  readonly dbFile: string;
  /** Every line the server logged, for assertions that nothing secret was logged. */
  readonly logs: string[];
  client(accessToken?: () => string | null): ApiClient;
  /** Stops the server; `keepData` leaves the database for a restart (`startTestServer(env, { dataDir, port })`). */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/**
 * A real server on 127.0.0.1 (random port) over a real SQLite file in a fresh temp dir, with its logs
 * captured. The auth-key hash runs at libsodium's minimum cost so a test suite can sign up many users.
 */
export async function startTestServer(
  env: Record<string, string> = {},
  reuse: { dataDir?: string; port?: number } = {},
  options: { clock?: Clock } = {},
): Promise<TestServer> {
  const dataDir = reuse.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'symc-server-test-'));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: String(reuse.port ?? 0),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'debug',
    AUTH_KEY_HASH_PROFILE: 'minimal',
    AUTH_RATE_LIMIT_PER_MINUTE: '10000',
    ...env,
  });
  const server = await startServer(config, sink, options.clock ? { clock: options.clock } : {});
  return {
    server,
    url: server.url,
    dataDir,
    dbFile: path.join(dataDir, 'symc.db'),
    logs,
    client: (accessToken) => createApiClient({ baseUrl: server.url, ...(accessToken ? { accessToken } : {}) }),
    async stop(options: { keepData?: boolean } = {}) {
      await server.close();
      if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
