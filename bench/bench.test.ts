import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { decryptChatMeta, decryptMessageBody } from '../common/content';
import { initCrypto, unwrapChatKey } from '../common/crypto';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { measureFanout } from './fanout-run';
import { seedFanout } from './fanout-seed';
import { measureLimits, readMessageRecords, sseBlocks } from './limits';
import { seededRandom } from '../e2e/support/random';
import { type BenchReport, formatTable, median, percentile, renderChart, writeReport } from './report';
import { sealMessageBody, seedAccount } from './seed-bulk';
import { TINY, totalMessages } from './workloads';

/**
 * The benchmark's pieces on a tiny workload, against the real server, so `npm run bench` can't rot
 * silently between the (manual) runs. No timing is asserted here: speed lives in the benchmark.
 */
describe('npm run bench, in miniature', () => {
  let server: TestServer;
  let dir: string;
  let owner: Awaited<ReturnType<typeof signUpPhone>>;
  let seeded: ReturnType<typeof seedAccount>;

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-bench-test-'));
    owner = await signUpPhone(server, 'benchowner');
    const friends = await Promise.all([signUpPhone(server, 'benchfriend1'), signUpPhone(server, 'benchfriend2')]);
    seeded = seedAccount(server.dbFile, {
      owner: owner.session,
      friends: friends.map((f) => f.session),
      workload: TINY,
    });
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the bulk seeder writes what the server itself serves: chats, keys, envelopes and a gap-free change log', async () => {
    const { chats } = await owner.api.call('listChats', {});
    expect(chats).toHaveLength(TINY.chats);
    for (const chat of chats) {
      const key = unwrapChatKey(chat.wrappedChatKey!, owner.session.masterKey, chat.chatId, owner.session.userId);
      expect(decryptChatMeta(key, chat.chatId, chat.encryptedMeta).title).toMatch(/^Chat \d+$/);
      expect(chat.messageCount).toBe(TINY.messagesPerChat);
      const page = await owner.api.call('listMessages', { params: { chatId: chat.chatId }, query: { limit: 100 } });
      const texts = page.messages.map((m) => decryptMessageBody(key, chat.chatId, m.messageId, m.ciphertext).text);
      expect(texts.every((t) => t.length >= 8)).toBe(true);
      // Oldest first, as the server orders them: the seeded timestamps sort like the server's own.
      expect(page.messages.map((m) => m.createdAt)).toEqual([...page.messages.map((m) => m.createdAt)].sort());
    }
    const opened = chats.find((c) => c.lastOpenedAt !== null);
    expect(opened?.chatId).toBe(seeded.openedChatId);

    const db = new Database(server.dbFile, { readonly: true });
    const seqs = (
      db.prepare('SELECT seq FROM "ChangeLog" WHERE userId = ? ORDER BY seq').all(owner.session.userId) as Array<{
        seq: number;
      }>
    ).map((r) => r.seq);
    const { lastSeq } = db.prepare('SELECT lastSeq FROM "User" WHERE id = ?').get(owner.session.userId) as {
      lastSeq: number;
    };
    db.close();
    expect(seqs).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
    expect(seeded.messages).toBe(totalMessages(TINY));
    expect(seeded.ownerLastSeq).toBe(lastSeq);
  });

  it('a message sent through the API after seeding takes the next seq (the seeder left User.lastSeq right)', async () => {
    const chat = seeded.chats[0]!;
    const messageId = crypto.randomUUID();
    const sent = await owner.api.call('sendMessage', {
      params: { chatId: chat.chatId },
      body: {
        messageId,
        clientKey: `after-seed:${messageId}`,
        ciphertext: sealMessageBody(chat.key, chat.chatId, messageId, {
          text: 'hello',
          senderName: 'Me',
          sentAt: Date.now(),
        }),
      },
    });
    expect(decryptMessageBody(chat.key, chat.chatId, messageId, sent.ciphertext).text).toBe('hello');
    const db = new Database(server.dbFile, { readonly: true });
    const last = db
      .prepare('SELECT seq, entityId FROM "ChangeLog" WHERE userId = ? ORDER BY seq DESC LIMIT 1')
      .get(owner.session.userId);
    db.close();
    expect(last).toEqual({ seq: seeded.ownerLastSeq + 1, entityId: messageId });
  });

  it('the limits run on the same records and every stage sees every message', async () => {
    const records = readMessageRecords(
      server.dbFile,
      seeded.chats.map((c) => c.chatId),
    );
    expect(records.length).toBeGreaterThanOrEqual(totalMessages(TINY));
    const limits = await measureLimits(records, new Map(seeded.chats.map((c) => [c.chatId, c.key])), dir, 7);
    expect(limits.limitMs).toBeCloseTo(limits.transferParseMs + limits.decryptMs + limits.insertMs, 0);
    const inserted = new Database(path.join(dir, 'limit-insert.db'), { readonly: true });
    expect((inserted.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n).toBe(records.length);
    inserted.close();
  });

  it('fan-out listeners are real desktops of a real group chat: their tokens open the live stream', async () => {
    const account = seedFanout(server.dbFile, owner.session, 3, 1);
    expect(account.listeners).toHaveLength(3);
    const members = await owner.api.call('getChat', { params: { chatId: account.chatId } });
    expect(members.members).toHaveLength(4);
    const response = await fetch(`${server.url}/sse/connect`, {
      headers: {
        authorization: `Bearer ${account.listeners[0]!.accessToken}`,
        'last-event-id': String(account.listeners[0]!.cursor),
      },
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('event: connected');
    expect(first).toContain('"mode":"live"');
    await reader.cancel();
  });

  it('the fan-out measure: listeners spread over several processes each see every counted message once', async () => {
    const account = seedFanout(server.dbFile, owner.session, 5, 3);
    let listening = 0;
    const result = await measureFanout({
      serverUrl: server.url,
      listenerUrls: [server.url],
      ownerToken: owner.session.tokens.accessToken,
      account,
      devicesPerProcess: 2,
      onListening: async () => {
        listening++;
      },
    });
    expect(result.listenerProcesses).toBe(3);
    expect(listening).toBe(1);
    // The first message is the warm-up: 2 counted messages × 5 devices.
    expect(result.latencies).toHaveLength(10);
    expect(result.latencies.every((ms) => ms > 0 && ms < 120_000)).toBe(true);
    expect(result.sendMs).toHaveLength(2);
    const { messages } = await owner.api.call('listMessages', {
      params: { chatId: account.chatId },
      query: { limit: 10 },
    });
    expect(messages.map((m) => m.messageId).sort()).toEqual(account.messages.map((m) => m.messageId).sort());
  });

  it("writes latest.json in the issue's shape, a table and an SVG chart", () => {
    const report: BenchReport = {
      generatedAt: '2026-01-01T00:00:00.000Z',
      mode: 'quick',
      machine: { cpus: 2, cpuModel: 'test', memoryGb: 1, node: process.version },
      results: [
        {
          workload: 'S',
          phase1Ms: 80,
          phase2Ms: 150,
          fullSyncMs: 900,
          messagesPerSec: 11111,
          limitMs: 450,
          ratio: 2,
          desktopPeakRssMb: 120,
          serverPeakRssMb: 200,
          fanout: [{ devices: 100, p50Ms: 12, p99Ms: 40, sendMs: 9, samples: 500, instances: 1 }],
          messages: 10000,
          wireBytes: 7_000_000,
          limit: { transferParseMs: 150, decryptMs: 100, insertMs: 200, limitMs: 450 },
          wokenMs: 20,
          pairedMs: 30,
          decryptedOnOpen: 100,
          connectedMs: 45,
          manifestMs: 60,
          phase1CompleteMs: 95,
          phase1SamplesMs: [80, 72, 91],
          desktopCpuMs: 700,
          serverCpuMs: 500,
          serverCpuUsPerMessage: 50,

          appPeakRssMb: 180,
          mainThreadMaxBlockMs: 120,
          mainThreadP99BlockMs: 60,
          topChatsReadyMs: 140,
          restartToChatListMs: 90,
          searchReadyAfterRestartMs: 95,
          searchP50Ms: 4,
          searchP99Ms: 30,
          searchBuildMs: 5000,
          searchIndexMb: 12,
        },
      ],
    };
    const files = writeReport(report, dir);
    const json = JSON.parse(readFileSync(files.json, 'utf8')) as BenchReport;
    expect(Object.keys(json.results[0]!)).toEqual(
      expect.arrayContaining([
        'workload',
        'phase1Ms',
        'phase2Ms',
        'fullSyncMs',
        'messagesPerSec',
        'limitMs',
        'ratio',
        'desktopPeakRssMb',
        'serverPeakRssMb',
        'serverCpuUsPerMessage',
        'fanout',
        'appPeakRssMb',
        'mainThreadMaxBlockMs',
        'mainThreadP99BlockMs',
        'topChatsReadyMs',
        'restartToChatListMs',
        'searchReadyAfterRestartMs',
        'searchP50Ms',
        'searchP99Ms',
      ]),
    );
    expect(json.results[0]!.fanout[0]).toMatchObject({ devices: 100, p50Ms: 12, p99Ms: 40 });
    const svg = readFileSync(files.svg, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('ratio 2.00');
    expect(svg).toContain('p99 40 ms');
    expect(renderChart(report)).toBe(svg);
    expect(formatTable(report)).toContain('100: 12/40 ms');
    expect(formatTable(report)).toContain('80 ms (95 ms)');
    expect(svg).toContain('all of the last chat 95 ms');
  });

  it('the transfer limit splits the SSE text into the same events wherever the chunks are cut', () => {
    const events = ['id: 1\nevent: a\ndata: {"n":1}', 'event: b\ndata: {"n":22}', ': comment', 'event: c\ndata: {}'];
    const text = events.map((e) => `${e}\n\n`).join('');
    const random = seededRandom(8);
    for (let run = 0; run < 300; run++) {
      const cuts = [
        ...new Set(
          Array.from({ length: Math.floor(random() * 8) }, () => 1 + Math.floor(random() * (text.length - 1))),
        ),
      ].sort((a, b) => a - b);
      const blocks: string[] = [];
      const feed = sseBlocks((b) => blocks.push(b));
      let from = 0;
      for (const cut of [...cuts, text.length]) {
        feed(text.slice(from, cut));
        from = cut;
      }
      expect({ cuts, blocks }).toEqual({ cuts, blocks: events });
    }
  });

  it('percentiles are nearest-rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
  });

  it('medians of odd and even counts', () => {
    expect(median([80, 72, 91])).toBe(80);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});
