import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { initCrypto } from '../common/crypto';
import { SEARCH_INDEX_FILE } from '../desktop/src/app/app-service';
import { sendText } from '../mobile-pairing/src/core/chats';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { pairDesktop } from './support/desktop';
import { seedChats } from './support/seed';

const ROOT = path.resolve(__dirname, '..');

/** Every byte of every file under `dir` (store, search index, their WALs, keys), as latin1. */
function allBytes(dir: string): string {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile())
    .map((f) => readFileSync(f).toString('latin1'))
    .join('');
}

/** The canary words and phrases found in the data directory's files (none, when all is encrypted). */
let canaryWords: string[] = [];
function plaintextOnDisk(dir: string): string[] {
  const bytes = allBytes(dir);
  return canaryWords.filter((w) => bytes.includes(w));
}

interface Host {
  readonly child: ChildProcess;
  readonly ready: Promise<number>;
  call(method: string, args: unknown): Promise<unknown>;
}

/** The app in a child process (e2e/support/app-host.ts), spoken to over its stdin/stdout. */
function startHost(serverUrl: string, dataDir: string): Host {
  const child = spawn(process.execPath, ['--import', 'tsx', 'e2e/support/app-host.ts'], {
    cwd: ROOT,
    env: { ...process.env, SYMC_DATA_DIR: dataDir, SYMC_SERVER_URL: serverUrl },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (c: Buffer) => process.env.SYMC_CHILD_DEBUG && process.stdout.write(`[host] ${c}`));
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let markReady: (ms: number) => void = () => undefined;
  const ready = new Promise<number>((resolve) => (markReady = resolve));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const message = JSON.parse(line) as { ready?: boolean; ms?: number; id?: number; result?: unknown; error?: string };
    if (message.ready) return markReady(message.ms!);
    const pending = waiting.get(message.id!);
    waiting.delete(message.id!);
    if (message.error !== undefined) pending?.reject(new Error(message.error));
    else pending?.resolve(message.result);
  });
  let next = 0;
  return {
    child,
    ready,
    call: (method, args) =>
      new Promise((resolve, reject) => {
        const id = ++next;
        waiting.set(id, { resolve, reject });
        child.stdin!.write(`${JSON.stringify({ id, method, args })}\n`);
      }),
  };
}

async function kill9(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

type Hits = {
  results: Array<{ kind: string; chatId: string; snippet: string; senderName?: string | null }>;
  ready: boolean;
};

/**
 * The search index on disk holds plaintext under page encryption only: after a full sync, a live message, a
 * draft, searches and a kill -9 of the app process, no byte of the desktop's data directory contains a canary
 * word — and the restarted app finds them all at once, from the index it left.
 */
describe('the desktop search index at rest', () => {
  let server: TestServer;
  let dir: string;
  let host: Host | null = null;
  const canary = `canary${Date.now()}`;

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer({ SYNC_BATCH_MESSAGES: '25' });
    canaryWords = [canary, 'plain words', 'arrived after the sync', 'draft unsent words'];
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-search-canary-'));
  });
  afterAll(async () => {
    if (host) await kill9(host.child);
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds no plaintext canary after a full sync, searches and a hard kill, and is searchable at once after it; logout deletes it', async () => {
    const phone = await signUpPhone(server, 'searchatrest');
    const chats = await seedChats(server, phone.session, {
      chats: 4,
      messagesPerChat: () => 60,
      textOf: (c, i) => (i % 10 === 3 ? `${canary}history chat${c} line${i}` : `plain words ${c}-${i}`),
    });
    await pairDesktop(server.url, phone, dir);

    host = startHost(server.url, dir);
    await host.ready;
    const live = `${canary}live arrived after the sync`;
    await sendText(phone.api, phone.session, chats[1]!.chatId, chats[1]!.key, live);
    await host.call('saveDraft', { chatId: chats[2]!.chatId, text: `${canary}draft unsent words` });
    const search = (query: string) => host!.call('search', { query }) as Promise<Hits>;
    for (;;) {
      const hits = await search(`${canary}live`);
      if (hits.results.length === 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const history = await search(canary.slice(0, 12)); // a prefix of the canary word
    expect(history.ready).toBe(true);
    expect(history.results.filter((h) => h.kind === 'message')).toHaveLength(4 * 6 + 1);
    expect(history.results.filter((h) => h.kind === 'draft').map((h) => h.chatId)).toEqual([chats[2]!.chatId]);
    const hit = (await search(`${canary}history chat0 line33`)).results;
    expect(hit).toHaveLength(1);
    expect(hit[0]!.snippet).toBe(`${canary}history chat0 line33`);
    expect(hit[0]!.senderName).toMatch(/^searchatrest/); // the sender, as the chat shows it
    await kill9(host.child);

    const files = readdirSync(dir);
    expect(files).toContain(SEARCH_INDEX_FILE);
    expect(plaintextOnDisk(dir)).toEqual([]);

    // Restarted on its store: ready at once from the index on disk, live message and draft included.
    host = startHost(server.url, dir);
    await host.ready;
    const again = await search(canary.slice(0, 12));
    expect(again.results).toHaveLength(history.results.length);
    await kill9(host.child);
    expect(plaintextOnDisk(dir)).toEqual([]);

    // Logout: the index's files and its key go with the wipe.
    host = startHost(server.url, dir);
    await host.ready;
    await host.call('signOut', {});
    const left = () => readdirSync(dir, { recursive: true, encoding: 'utf8' });
    for (let i = 0; i < 100 && left().some((f) => f.startsWith(SEARCH_INDEX_FILE)); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(left().filter((f) => f.startsWith(SEARCH_INDEX_FILE) || f.includes('database-key'))).toEqual([]);
    await kill9(host.child);
    host = null;
  }, 120_000);
});
