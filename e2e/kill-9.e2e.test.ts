import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { createApiClient } from '../common/contract';
import { initCrypto } from '../common/crypto';
import { DesktopCore } from '../desktop/src/core/desktop-core';
import { LocalStore } from '../desktop/src/core/store/local-store';
import { sendText } from '../mobile-pairing/src/core/chats';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { CuttingProxy } from './support/cutting-proxy';
import { openDesktop, pairDesktop, until, untilProgress } from './support/desktop';
import { seededRandom } from './support/random';
import { seedChats, type SeededChat } from './support/seed';

const ROOT = path.resolve(__dirname, '..');
const SEED = Number(process.env.KILL_SEED ?? Date.now() % 100_000);

/** tsx as a loader in the same process (its CLI would run the script in a grandchild that a kill misses). */
function start(args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on(
    'data',
    (c: Buffer) => process.env.SYMC_CHILD_DEBUG && process.stdout.write(`[child] ${c.toString()}`),
  );
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

async function kill9(child: ChildProcess): Promise<void> {
  child.kill('SIGKILL');
  await exited(child);
}

/** Every message the server holds for these chats, by id → status (read straight from its SQLite file). */
function serverMessages(dbFile: string, chatIds: readonly string[]): Map<string, string> {
  const db = new Database(dbFile, { readonly: true });
  try {
    const rows = db
      .prepare(`SELECT id, status FROM "Message" WHERE chatId IN (${chatIds.map(() => '?').join(',')})`)
      .all(...chatIds) as Array<{ id: string; status: string }>;
    return new Map(rows.map((r) => [r.id, r.status]));
  } finally {
    db.close();
  }
}

/** The desktop's store equals the server for every chat: no message lost, none twice, and SQLite's checks pass. */
function expectConverged(store: LocalStore, serverDbFile: string, chats: readonly SeededChat[]): void {
  expect(store.problems()).toEqual([]);
  const remote = serverMessages(
    serverDbFile,
    chats.map((c) => c.chatId),
  );
  const local = chats.flatMap((c) => store.listMessages(c.chatId, 100_000));
  expect(new Set(local.map((m) => m.id)).size).toBe(local.length);
  expect(new Set(local.map((m) => m.client_key)).size).toBe(local.length);
  expect(local.map((m) => m.id).sort()).toEqual([...remote.keys()].sort());
}

/**
 * kill -9 at random points of a first sync — of the server, then of the desktop — and restarts: afterwards
 * both databases pass SQLite's integrity check and the desktop holds exactly the server's messages.
 * KILL_SEED replays a run (it is printed when a run fails).
 */
describe(`kill -9 mid-sync (seed ${SEED})`, () => {
  const random = seededRandom(SEED);
  let server: TestServer | null = null;
  let child: ChildProcess | null = null;
  let proxy: CuttingProxy | null = null;
  const dirs: string[] = [];
  const tempDir = (name: string) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), `symc-kill9-${name}-`));
    dirs.push(dir);
    return dir;
  };

  beforeAll(() => initCrypto());
  afterEach(async () => {
    if (child) await kill9(child);
    child = null;
    await proxy?.stop();
    proxy = null;
    await server?.stop({ keepData: true });
    server = null;
  });
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  /** Counts history batches passing the proxy and calls `at` when the count reaches `threshold`. */
  const onBatches = (p: CuttingProxy, thresholds: number[], at: (n: number) => void) => {
    let seen = 0;
    p.inspect = (chunk) => {
      seen += chunk.toString('latin1').split('event: message:sync').length - 1;
      while (thresholds.length > 0 && seen >= thresholds[0]!) at(thresholds.shift()!);
      return null;
    };
  };

  it('the server killed twice during the sync: it restarts on its database and the desktop converges', async () => {
    const env = { SYNC_BATCH_MESSAGES: '10', SSE_HEARTBEAT_SECONDS: '0.5' };
    const dataDir = tempDir('server');
    // Seeded in process, then served by a child process that can be killed for real.
    const seeding = await startTestServer(env, { dataDir });
    const phone = await signUpPhone(seeding, 'killserver');
    const chats = await seedChats(seeding, phone.session, { chats: 8, messagesPerChat: (i) => 20 + i * 5 });
    const port = seeding.server.port;
    await seeding.stop({ keepData: true });
    const serve = () =>
      start(['server/src/main.ts'], {
        ...env,
        DATA_DIR: dataDir,
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        AUTH_KEY_HASH_PROFILE: 'minimal',
      });
    const healthy = () =>
      until(
        () =>
          fetch(`http://127.0.0.1:${port}/healthz`).then(
            (r) => r.ok,
            () => false,
          ),
        30_000,
        'the server to answer',
      );
    child = serve();
    await healthy();

    proxy = await new CuttingProxy(port).start();
    const viaProxy = {
      session: phone.session,
      api: createApiClient({ baseUrl: proxy.url, accessToken: () => phone.session.tokens.accessToken }),
    };
    const desktopDir = tempDir('desktop');
    const core = await openDesktop(desktopDir, await pairDesktop(proxy.url, viaProxy, desktopDir));
    try {
      let restarting: Promise<void> = Promise.resolve();
      let kills = 0;
      const first = 1 + Math.floor(random() * 5);
      onBatches(proxy, [first, first + 2 + Math.floor(random() * 6)], () => {
        restarting = restarting.then(async () => {
          await kill9(child!);
          kills++;
          child = serve();
          await healthy();
        });
      });
      await core.start();
      // The phone writes meanwhile, retrying while the server is down: each must land once.
      const live: string[] = [];
      for (let i = 0; i < 3; i++) {
        await until(
          async () => {
            const chat = chats[i]!;
            const m = await sendText(
              createApiClient({
                baseUrl: `http://127.0.0.1:${port}`,
                accessToken: () => phone.session.tokens.accessToken,
              }),
              phone.session,
              chat.chatId,
              chat.key,
              `live ${i}`,
            ).catch(() => null);
            if (m) live.push(m.messageId);
            return m !== null;
          },
          30_000,
          'a live send',
        );
      }
      await untilProgress(core, (p) => p.primed, 60_000);
      await restarting;
      expect(kills).toBe(2);
      await until(() => live.every((id) => core.store.allMessageIds().includes(id)), 15_000, 'the live messages');
      const serverDb = new Database(path.join(dataDir, 'symc.db'), { readonly: true });
      expect(serverDb.pragma('integrity_check', { simple: true })).toBe('ok');
      serverDb.close();
      expectConverged(core.store, path.join(dataDir, 'symc.db'), chats);
    } finally {
      await core.stop();
    }
  }, 120_000);

  it('the desktop killed three times during its first sync: its store stays whole and converges', async () => {
    server = await startTestServer({ SYNC_BATCH_MESSAGES: '10', SSE_HEARTBEAT_SECONDS: '0.5' });
    const phone = await signUpPhone(server, 'killdesktop');
    const chats = await seedChats(server, phone.session, { chats: 8, messagesPerChat: (i) => 20 + i * 5 });
    proxy = await new CuttingProxy(server.server.port).start();
    const viaProxy = {
      session: phone.session,
      api: createApiClient({ baseUrl: proxy.url, accessToken: () => phone.session.tokens.accessToken }),
    };
    const desktopDir = tempDir('desktop');
    await pairDesktop(proxy.url, viaProxy, desktopDir);
    const runDesktop = () => start(['e2e/support/desktop-sync-child.ts', desktopDir]);

    for (let kill = 0; kill < 3; kill++) {
      child = runDesktop();
      // Killed after a random number of batches of this run (a batch is one transaction on the desktop).
      const batches = 1 + Math.floor(random() * 4);
      let killed: Promise<void> | null = null;
      onBatches(proxy, [batches], () => (killed = kill9(child!)));
      await until(() => killed !== null || child!.exitCode !== null, 60_000, `batch ${batches} of run ${kill + 1}`);
      expect(killed).not.toBeNull(); // killed mid-sync, not ended by itself
      await killed;
      const store = LocalStore.open(DesktopCore.databaseFile(desktopDir));
      expect(store.problems()).toEqual([]);
      // Still mid-sync: fewer messages here than the server holds.
      expect(store.allMessageIds().length).toBeLessThan(
        serverMessages(
          server.dbFile,
          chats.map((c) => c.chatId),
        ).size,
      );
      store.close();
    }
    proxy.inspect = null;
    child = runDesktop();
    const primed = new Promise<void>((resolve) =>
      child!.stdout!.on('data', (c: Buffer) => c.toString().includes('primed') && resolve()),
    );
    await primed;
    child.kill('SIGTERM');
    await exited(child);
    child = null;
    const store = LocalStore.open(DesktopCore.databaseFile(desktopDir));
    try {
      expectConverged(store, server.dbFile, chats);
    } finally {
      store.close();
    }
  }, 150_000);
});
