import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createApiClient } from '../common/contract';
import { initCrypto } from '../common/crypto';
import { createAccount, type PhoneSession } from '../mobile-pairing/src/core/account';
import { loadConfig } from '../server/src/config';
import { approvePairing, lookupPairing, parsePairingInput } from '../mobile-pairing/src/core/pairing';
import { measureAttachments } from './attachments';
import { Child, nowMs } from './child';
import { Cluster } from './cluster';
import type { AppMeasures } from './desktop-app-measure';
import type { DesktopReport } from './desktop-process';
import { measureFanout } from './fanout-run';
import { seedFanout } from './fanout-seed';
import { measureLimits, readMessageRecords } from './limits';
import {
  type BenchReport,
  type ConcurrentResult,
  type FanoutResult,
  formatTable,
  machineInfo,
  median,
  percentile,
  round1,
  type WorkloadResult,
  writeReport,
} from './report';
import { createBenchDatabase, PostgresMirror } from './pg-mirror';
import { seedAccount } from './seed-bulk';
import { totalMessages, WARM_UP, type Workload, WORKLOADS } from './workloads';

/**
 * `npm run bench` — what users feel, measured end to end on this machine:
 *   seed an account (bulk, real keys and envelopes) → server in its own process → a headless desktop in
 *   another links through the real QR flow and runs the real phased sync → the machine's own limits on
 *   the same data → live fan-out to 100 / 1,000 connected desktops.
 * Options: --quick (S and 100 devices), --workloads S,M,L, --fanout 100,1000, --rounds 5, --samples 3 (desktops
 * linked per workload; phase 1 is their median), --batch <n>
 * (the server's SYNC_BATCH_MESSAGES), --profile (CPU profiles of the server and desktop processes into
 * bench/results/profiles), --out <dir>, --db postgres, --instances N, --concurrent N, --server-flags '<node flags>'.
 */
const started = Date.now();
/** QR on screen → the phone scans it (see pairAndSync). */
const SCAN_MS = 1000;
const log = (text: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${text}`);

async function signUp(serverUrl: string, name: string): Promise<PhoneSession> {
  return createAccount(createApiClient({ baseUrl: serverUrl }), {
    username: `${name}${Math.floor(Math.random() * 1e6)}`.toLowerCase(),
    password: `bench password of ${name}`,
    device: { name: `${name}'s phone`, platform: 'ios' },
    kdfProfile: 'minimal',
  });
}

/**
 * Links a desktop (its own process) through the real QR flow, the phone approving, and waits for its
 * full sync. Returns the desktop's report with the approval instant, and the server's CPU time and peak
 * RSS over the sync.
 */
async function pairAndSync(
  cluster: Cluster,
  owner: PhoneSession,
  dir: string,
  label: string,
  childOptions: { profileDir?: string },
  /** Off when several desktops sync at once: the caller measures the server over all of them. */
  measureServer = true,
  /** Also measure the app service on the synced store (search, restart): the first desktop of a workload. */
  withApp = false,
) {
  const desktop = new Child('desktop-process.ts', childOptions);
  try {
    desktop.onMessage = (m) => {
      if (m.type === 'progress') log(`${label}: synced ${String(m.messages)} / ${String(m.total)} messages`);
    };
    const phoneApi = createApiClient({ baseUrl: cluster.phoneUrl, accessToken: () => owner.tokens.accessToken });
    const qr = desktop.request<{ type: string; link: string; checkCode: string }>(
      { type: 'pair', serverUrl: cluster.desktopUrl, dir, maxBytes: 4 * 2 ** 30 },
      'qr',
    );
    const synced = desktop.next<DesktopReport & { type: string }>('synced');
    const { link, checkCode } = await qr;
    // A person needs seconds to point the phone at the QR and type the check code; the desktop uses that
    // idle time (warm-up, docs/BENCHMARKS.md). One second is less than anyone takes: approving within
    // milliseconds of the QR would measure a race no user can run.
    await new Promise((resolve) => setTimeout(resolve, SCAN_MS));
    const pending = await lookupPairing(phoneApi, parsePairingInput(link));
    // The server's peaks are those of this sync's window (from the approval to the desktop's cache_primed).
    const cpuBefore = measureServer ? await cluster.window() : 0;
    const approvedAt = nowMs();
    await approvePairing(phoneApi, owner, pending, checkCode);
    log(`${label}: approved on the phone; syncing`);
    const report = await synced;
    // The server's window ends at cache_primed, before the app measures below (the server is idle then).
    const after = measureServer ? await cluster.peaks() : null;
    if (after)
      log(
        `${label}: server memory over the sync (MB): rss ${after.memory.startRssMb.toFixed(0)} at approval → peak ${after.memory.rssMb.toFixed(0)}, heap used ${after.memory.startHeapUsedMb.toFixed(0)} at approval → peak` +
          ` ${after.memory.heapUsedMb.toFixed(0)} of ${after.memory.heapTotalMb.toFixed(0)}, external ${after.memory.externalMb.toFixed(0)}, array buffers ${after.memory.arrayBuffersMb.toFixed(0)}; CPU ${Math.round(after.cpuMs - cpuBefore)} ms`,
      );
    const app = withApp ? await desktop.request<AppMeasures & { type: string }>({ type: 'app' }, 'app') : null;
    if (!after) return { report, approvedAt, serverCpuMs: 0, serverPeakRssMb: 0, serverMemory: null, app };
    return {
      report,
      approvedAt,
      serverCpuMs: after.cpuMs - cpuBefore,
      serverPeakRssMb: after.memory.rssMb,
      serverMemory: after.memory,
      app,
    };
  } finally {
    await desktop.stop();
  }
}

/** Where the server keeps its data: its SQLite file, or a fresh PostgreSQL database (`--db postgres`). */
export type BenchDb = 'sqlite' | 'postgres';

async function runWorkload(
  workload: Workload,
  options: {
    fanout: number[];
    rounds: number;
    batch: number | null;
    samples: number;
    db: BenchDb;
    instances: number;
    profileDir?: string;
    serverFlags: readonly string[];
  },
): Promise<WorkloadResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `symc-bench-${workload.name}-`));
  const childOptions = options.profileDir ? { profileDir: options.profileDir } : {};
  const database = options.db === 'postgres' ? await createBenchDatabase() : null;
  let cluster: Cluster | null = null;
  try {
    const dataDir = path.join(dir, 'server');
    const mirror = database ? await PostgresMirror.open(dir, database.url) : null;
    // The seeders write an SQLite file: the server's own, or a scratch one copied into PostgreSQL.
    const seed = <T>(fn: (file: string) => T): Promise<T> =>
      mirror ? mirror.seed(fn) : Promise.resolve(fn(path.join(dataDir, 'symc.db')));
    const seededFile = mirror ? mirror.file : path.join(dataDir, 'symc.db');
    cluster = await Cluster.start(
      options.instances,
      {
        DATA_DIR: dataDir,
        MAX_LINKED_DEVICES: '10',
        ACCESS_TOKEN_TTL_SECONDS: '7200',
        ...(database ? { DATABASE_URL: database.url } : {}),
        ...(options.batch ? { SYNC_BATCH_MESSAGES: String(options.batch) } : {}),
      },
      { ...childOptions, nodeFlags: options.serverFlags },
    );
    const url = cluster.phoneUrl;
    // A server that has served nobody yet compiles every query shape on first use (Prisma's query
    // compiler) and JITs every route: a first user would pay that, the thousandth would not. One small
    // account pairs and syncs first, unmeasured, so the figures are those of a server already in service.
    const warm = await signUp(url, 'warmup');
    const warmFriend = await signUp(url, 'warmfriend');
    await seed((file) =>
      seedAccount(file, {
        owner: warm,
        friends: [warmFriend],
        workload: WARM_UP,
      }),
    );
    await pairAndSync(cluster, warm, path.join(dir, 'warmup-desktop'), `${workload.name} warm-up`, {});
    log(`${workload.name}: server warmed up with a small account's pairing and sync`);
    const owner = await signUp(url, 'owner');
    const friends = await Promise.all(Array.from({ length: 8 }, (_, i) => signUp(url, `friend${i}`)));
    log(`${workload.name}: seeding ${workload.chats} chats × ${workload.messagesPerChat} messages`);
    const seedStarted = Date.now();
    const seeded = await seed((file) => seedAccount(file, { owner, friends, workload }));
    log(
      `${workload.name}: seeded ${seeded.messages} messages (${(seeded.ciphertextBytes / 2 ** 20).toFixed(1)} MB of ciphertext) in ${Date.now() - seedStarted} ms`,
    );

    // ---- pairing + phased sync, timed from the phone's approval ----------------------------------
    const { report, approvedAt, serverCpuMs, serverPeakRssMb, serverMemory, app } = await pairAndSync(
      cluster,
      owner,
      path.join(dir, 'desktop'),
      workload.name,
      childOptions,
      true,
      true,
    );
    if (report.messages !== seeded.messages)
      throw new Error(`the desktop synced ${report.messages} of ${seeded.messages} messages`);
    // Phase 1 is a few tens of ms and moves by ±15 ms between runs on a shared machine: more desktops link
    // to the same account, one after another, and phase 1 is reported as the median of all of them. The
    // other figures (full sync, ratio, memory, CPU) are the first desktop's.
    const phase1Samples = [
      { phase1: report.times.phase1 - approvedAt, complete: report.times.phase1Complete - approvedAt },
    ];
    for (let sample = 2; sample <= options.samples; sample++) {
      const extra = await pairAndSync(
        cluster,
        owner,
        path.join(dir, `desktop-${sample}`),
        `${workload.name} sample ${sample}`,
        {},
      );
      phase1Samples.push({
        phase1: extra.report.times.phase1 - extra.approvedAt,
        complete: extra.report.times.phase1Complete - extra.approvedAt,
      });
    }
    const phase1Ms = round1(median(phase1Samples.map((p) => p.phase1)));
    const phase1CompleteMs = round1(median(phase1Samples.map((p) => p.complete)));
    if (options.samples > 1)
      log(
        `${workload.name}: phase 1 over ${options.samples} desktops ${phase1Samples.map((p) => round1(p.phase1)).join(' / ')} ms → median ${phase1Ms} ms`,
      );
    const since = (t: number) => round1(t - approvedAt);
    const fullSyncMs = since(report.times.primed);
    const t = report.times;
    log(
      `${workload.name}: woken ${since(t.woken)} ms, paired ${since(t.paired)} ms, core open ${since(t.coreOpen)} ms, core started ${since(t.coreStarted)} ms, stream open ${since(t.connected)} ms, manifest ${since(t.manifest)} ms, ` +
        `phase 1 ${since(t.phase1)} ms (complete ${since(t.phase1Complete)} ms), phase 2 ${since(t.phase2)} ms, cache primed ${fullSyncMs} ms`,
    );
    log(`${workload.name}: CPU desktop ${Math.round(report.cpuMs)} ms, server ${Math.round(serverCpuMs)} ms`);
    log(
      `${workload.name}: main thread during the sync: longest stall ${round1(report.mainThreadMaxBlockMs)} ms, p99 ${round1(report.mainThreadP99BlockMs)} ms; the sync's own slices (${report.syncSlices.count}): longest ${round1(report.syncSlices.maxCpuMs)} ms CPU (${round1(report.syncSlices.maxMs)} ms wall), p99 ${round1(report.syncSlices.p99CpuMs)} ms CPU (${round1(report.syncSlices.p99Ms)} ms wall); top ${10} chats ready ${report.topChatsReady === null ? '—' : since(report.topChatsReady)} ms`,
    );
    log(
      `${workload.name}: app: search build ${Math.round(app!.searchBuildMs)} ms (${round1(app!.searchIndexMb)} MB on disk), restart → chat list ${round1(app!.restartToChatListMs)} ms, → search ready ${round1(app!.searchReadyAfterRestartMs)} ms, search p50 ${round1(app!.searchP50Ms)} / p99 ${round1(app!.searchP99Ms)} ms, peak RSS ${round1(app!.appPeakRssMb)} MB`,
    );

    // ---- the machine's limits on the same data ----------------------------------------------------
    log(`${workload.name}: measuring the machine's limits on the same ${seeded.messages} messages`);
    const records = readMessageRecords(
      seededFile,
      seeded.chats.map((c) => c.chatId),
    );
    const keys = new Map(seeded.chats.map((c) => [c.chatId, c.key]));
    const limit = await measureLimits(records, keys, dir, options.batch ?? loadConfig({}).syncBatchMessages);
    log(
      `${workload.name}: limit ${limit.limitMs} ms (transfer+parse ${limit.transferParseMs}, decrypt ${limit.decryptMs}, insert ${limit.insertMs})`,
    );

    // ---- live fan-out on the same server ---------------------------------------------------------
    const fanout: FanoutResult[] = [];
    for (const devices of options.fanout) {
      const seedStarted = Date.now();
      const account = await seed((file) => seedFanout(file, owner, devices, options.rounds + 1));
      log(`${workload.name}: fan-out to ${devices} connected desktops (seeded in ${Date.now() - seedStarted} ms)`);
      // The servers' CPU time over the messages only (the streams connected): what one message costs them.
      let cpuBefore = 0;
      const c = cluster;
      const result = await measureFanout({
        serverUrl: url,
        listenerUrls: c.listenerUrls,
        ownerToken: owner.tokens.accessToken,
        account,
        onListening: async () => {
          cpuBefore = await c.window();
        },
      });
      const serverCpuPerMessage = ((await c.peaks()).cpuMs - cpuBefore) / account.messages.length;
      fanout.push({
        devices,
        p50Ms: round1(percentile(result.latencies, 50)),
        p99Ms: round1(percentile(result.latencies, 99)),
        sendMs: round1(percentile(result.sendMs, 50)),
        samples: result.latencies.length,
        instances: cluster.instances,
        listenerProcesses: result.listenerProcesses,
        serverCpuMsPerMessage: round1(serverCpuPerMessage),
      });
      log(
        `${workload.name}: fan-out ${devices}: p50 ${fanout.at(-1)!.p50Ms} ms, p99 ${fanout.at(-1)!.p99Ms} ms, send ${fanout.at(-1)!.sendMs} ms; server CPU ${round1(serverCpuPerMessage)} ms a message, all instances (${result.listenerProcesses} listener process${result.listenerProcesses > 1 ? 'es' : ''})`,
      );
    }

    return {
      workload: workload.name,
      phase1Ms,
      phase1SamplesMs: phase1Samples.map((p) => round1(p.phase1)),
      phase2Ms: since(report.times.phase2),
      fullSyncMs,
      messagesPerSec: Math.round(report.messages / (fullSyncMs / 1000)),
      limitMs: limit.limitMs,
      ratio: Math.round((fullSyncMs / limit.limitMs) * 100) / 100,
      desktopPeakRssMb: round1(report.peakRssMb),
      serverPeakRssMb: round1(serverPeakRssMb),
      ...(serverMemory
        ? {
            serverMemory: Object.fromEntries(
              Object.entries(serverMemory).map(([k, v]) => [k, round1(v)]),
            ) as unknown as typeof serverMemory,
          }
        : {}),
      fanout,
      messages: report.messages,
      wireBytes: report.wireBytes,
      limit,
      wokenMs: since(report.times.woken),
      pairedMs: since(report.times.paired),
      decryptedOnOpen: report.decryptedOnOpen,
      connectedMs: since(t.connected),
      manifestMs: since(t.manifest),
      phase1CompleteMs,
      desktopCpuMs: Math.round(report.cpuMs),
      serverCpuMs: Math.round(serverCpuMs),
      serverCpuUsPerMessage: round1((serverCpuMs * 1000) / report.messages),
      appPeakRssMb: round1(app!.appPeakRssMb),
      mainThreadMaxBlockMs: round1(report.mainThreadMaxBlockMs),
      mainThreadP99BlockMs: round1(report.mainThreadP99BlockMs),
      syncMaxSliceCpuMs: round1(report.syncSlices.maxCpuMs),
      syncP99SliceCpuMs: round1(report.syncSlices.p99CpuMs),
      syncSlices: {
        count: report.syncSlices.count,
        maxMs: round1(report.syncSlices.maxMs),
        p99Ms: round1(report.syncSlices.p99Ms),
      },
      topChatsReadyMs: report.topChatsReady === null ? null : since(report.topChatsReady),
      restartToChatListMs: round1(app!.restartToChatListMs),
      searchReadyAfterRestartMs: round1(app!.searchReadyAfterRestartMs),
      searchP50Ms: round1(app!.searchP50Ms),
      searchP99Ms: round1(app!.searchP99Ms),
      searchBuildMs: Math.round(app!.searchBuildMs),
      searchIndexMb: round1(app!.searchIndexMb),
    };
  } finally {
    await cluster?.stop();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Devices of the account that receives live messages while the concurrent syncs run, and its rounds. */
const CONCURRENT_FANOUT_DEVICES = 100;
const CONCURRENT_FANOUT_ROUNDS = 60;

/**
 * `--concurrent N`: N accounts with `workload` each, and N desktops (own processes) linking to them at
 * the same moment (a Monday morning). Meanwhile another account's group of 100 connected desktops
 * receives messages one after another from the first instant of the syncs: live delivery to other users
 * must stay fast while the server streams N histories.
 */
async function runConcurrent(
  desktops: number,
  workload: Workload,
  options: { db: BenchDb; instances: number; batch: number | null; serverFlags: readonly string[] },
): Promise<ConcurrentResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `symc-bench-concurrent-`));
  const database = options.db === 'postgres' ? await createBenchDatabase() : null;
  let cluster: Cluster | null = null;
  try {
    const dataDir = path.join(dir, 'server');
    const mirror = database ? await PostgresMirror.open(dir, database.url) : null;
    const seed = <T>(fn: (file: string) => T): Promise<T> =>
      mirror ? mirror.seed(fn) : Promise.resolve(fn(path.join(dataDir, 'symc.db')));
    cluster = await Cluster.start(
      options.instances,
      {
        DATA_DIR: dataDir,
        MAX_LINKED_DEVICES: '10',
        ACCESS_TOKEN_TTL_SECONDS: '7200',
        ...(database ? { DATABASE_URL: database.url } : {}),
        ...(options.batch ? { SYNC_BATCH_MESSAGES: String(options.batch) } : {}),
      },
      { nodeFlags: options.serverFlags },
    );
    const url = cluster.phoneUrl;
    const warm = await signUp(url, 'warmup');
    const warmFriend = await signUp(url, 'warmfriend');
    await seed((file) => seedAccount(file, { owner: warm, friends: [warmFriend], workload: WARM_UP }));
    await pairAndSync(cluster, warm, path.join(dir, 'warmup-desktop'), 'concurrent warm-up', {});
    const friends = await Promise.all(Array.from({ length: 8 }, (_, i) => signUp(url, `friend${i}`)));
    const owners: PhoneSession[] = [];
    for (let i = 0; i < desktops; i++) {
      const owner = await signUp(url, `owner${i}`);
      await seed((file) => seedAccount(file, { owner, friends, workload, seed: 100 + i }));
      owners.push(owner);
    }
    log(`concurrent: seeded ${desktops} accounts × ${totalMessages(workload)} messages`);
    const fanOwner = await signUp(url, 'live');
    const live = await seed((file) =>
      seedFanout(file, fanOwner, CONCURRENT_FANOUT_DEVICES, CONCURRENT_FANOUT_ROUNDS + 1),
    );
    {
      const cpuBefore = await cluster.window();
      const c = cluster;
      const fanout = measureFanout({
        serverUrl: url,
        listenerUrls: c.listenerUrls,
        ownerToken: fanOwner.tokens.accessToken,
        account: live,
      });
      const syncs = await Promise.all(
        owners.map((owner, i) =>
          pairAndSync(c, owner, path.join(dir, `desktop-${i}`), `concurrent ${i + 1}/${desktops}`, {}, false),
        ),
      );
      const peaks = await c.peaks();
      const { latencies } = await fanout;
      const fullSyncs = syncs.map((s) => s.report.times.primed - s.approvedAt);
      for (const [i, s] of syncs.entries())
        if (s.report.messages !== totalMessages(workload))
          throw new Error(`desktop ${i + 1} synced ${s.report.messages} of ${totalMessages(workload)} messages`);
      log(
        `concurrent: ${desktops} full syncs ${fullSyncs.map((ms) => Math.round(ms)).join(' / ')} ms; server CPU ${Math.round(peaks.cpuMs - cpuBefore)} ms; server memory peaks (MB): rss ${peaks.memory.rssMb.toFixed(0)}, heap used ${peaks.memory.heapUsedMb.toFixed(0)}`,
      );
      return {
        desktops,
        workload: workload.name,
        instances: c.instances,
        fullSyncP50Ms: round1(median(fullSyncs)),
        fullSyncMaxMs: round1(Math.max(...fullSyncs)),
        serverPeakRssMb: round1(peaks.memory.rssMb),
        serverCpuUsPerMessage: round1(((peaks.cpuMs - cpuBefore) * 1000) / (desktops * totalMessages(workload))),
        fanoutP99MsDuring: round1(percentile(latencies, 99)),
        fanoutP50MsDuring: round1(percentile(latencies, 50)),
        fanoutDevices: CONCURRENT_FANOUT_DEVICES,
      };
    }
  } finally {
    await cluster?.stop();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A bad command line: reported as one sentence, exit 1. */
class UsageError extends Error {}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        workloads: { type: 'string' },
        fanout: { type: 'string' },
        rounds: { type: 'string', default: '5' },
        samples: { type: 'string', default: '3' },
        batch: { type: 'string' },
        profile: { type: 'boolean', default: false },
        out: { type: 'string', default: path.join(__dirname, 'results') },
        db: { type: 'string', default: 'sqlite' },
        instances: { type: 'string', default: '1' },
        concurrent: { type: 'string' },
        'server-flags': { type: 'string', default: '' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  // `--concurrent` alone runs only the concurrent syncs; with --workloads, those as well.
  const defaultNames = values.concurrent !== undefined ? '' : values.quick ? 'S' : 'S,M,L';
  const names = (values.workloads ?? defaultNames)
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  const workloads = names.map((name) => {
    const w = WORKLOADS[name as keyof typeof WORKLOADS];
    if (!w) throw new UsageError(`unknown workload "${name}" (S, M or L)`);
    return w;
  });
  const fanout = (values.fanout ?? (values.quick ? '100' : '100,1000')).split(',').filter(Boolean).map(Number);
  if (fanout.some((n) => !Number.isInteger(n) || n < 1))
    throw new UsageError('--fanout takes device counts, e.g. 100,1000');
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new UsageError('--rounds takes a number of messages per fan-out size, e.g. 5');
  const samples = Number(values.samples);
  if (!Number.isInteger(samples) || samples < 1 || samples > 5)
    throw new UsageError('--samples takes how many desktops link per workload for phase 1, 1 to 5');
  const batch = values.batch ? Number(values.batch) : null;
  if (batch !== null && (!Number.isInteger(batch) || batch < 1 || batch > 10_000))
    throw new UsageError("--batch takes the server's history batch size, 1 to 10,000 messages");
  if (values.db !== 'sqlite' && values.db !== 'postgres')
    throw new UsageError(`--db takes sqlite or postgres, not "${values.db}"`);
  const db: BenchDb = values.db;
  const instances = Number(values.instances);
  if (!Number.isInteger(instances) || instances < 1 || instances > 4)
    throw new UsageError('--instances takes how many server processes to run, 1 to 4');
  if (instances > 1 && db !== 'postgres')
    throw new UsageError('--instances 2 or more needs --db postgres (the instances share one database)');
  const concurrent = values.concurrent === undefined ? null : Number(values.concurrent);
  if (concurrent !== null && (!Number.isInteger(concurrent) || concurrent < 1 || concurrent > 20))
    throw new UsageError('--concurrent takes how many desktops link at once, 1 to 20');
  // V8 flags for the server processes, e.g. --server-flags '--max-semi-space-size=32' (memory experiments).
  const serverFlags = values['server-flags'].split(' ').filter(Boolean);
  if (serverFlags.some((f) => !f.startsWith('--')))
    throw new UsageError("--server-flags takes Node/V8 flags, e.g. '--max-semi-space-size=32'");
  const profileDir = values.profile ? path.join(values.out, 'profiles') : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });

  await initCrypto();
  log(
    `database ${db}, ${instances} server instance${instances > 1 ? 's' : ''}; workloads ${names.join(', ')} (${workloads.map(totalMessages).join(' / ')} messages); fan-out ${fanout.join(', ')} devices`,
  );
  const results: WorkloadResult[] = [];
  for (const workload of workloads)
    results.push(
      await runWorkload(workload, {
        fanout,
        rounds,
        batch,
        samples,
        db,
        instances,
        serverFlags,
        ...(profileDir ? { profileDir } : {}),
      }),
    );

  // The concurrent accounts hold M each (S with --quick).
  const concurrentResult =
    concurrent === null
      ? undefined
      : await runConcurrent(concurrent, values.quick ? WORKLOADS.S : WORKLOADS.M, {
          db,
          instances,
          batch,
          serverFlags,
        });

  log('attachments: a 50 MB file sealed + uploaded, downloaded + opened, against loopback + AEAD');
  const attachments = await measureAttachments();
  log(
    `attachments: up ${attachments.uploadMBps} MB/s (×${attachments.uploadRatio} the limit), down ${attachments.downloadMBps} MB/s (×${attachments.downloadRatio})`,
  );

  const custom =
    concurrent !== null ||
    values.workloads !== undefined ||
    values.fanout !== undefined ||
    batch !== null ||
    db !== 'sqlite' ||
    instances > 1 ||
    serverFlags.length > 0;
  const report: BenchReport = {
    generatedAt: new Date().toISOString(),
    mode: custom ? 'custom' : values.quick ? 'quick' : 'full',
    db,
    instances,
    ...(serverFlags.length > 0 ? { serverFlags } : {}),
    machine: machineInfo(),
    results,
    ...(concurrentResult ? { concurrent: concurrentResult } : {}),
    attachments,
  };
  const files = writeReport(report, values.out);
  console.log(`\n${formatTable(report)}\n`);
  if (report.concurrent) console.log(`concurrent: ${JSON.stringify(report.concurrent)}\n`);
  console.log(
    `Targets: phase 1 ≤ 100 ms (M) · ratio ≤ 2.0 (M) · desktop RSS ≤ 300 MB (L) · fan-out p99 < 100 ms (1,000 devices)`,
  );
  console.log(
    `Wrote ${path.relative(process.cwd(), files.json)} and ${path.relative(process.cwd(), files.svg)} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  if (profileDir) console.log(`CPU profiles: ${path.relative(process.cwd(), profileDir)}`);
}

main().catch((error: unknown) => {
  // A bad option is a sentence; anything else keeps its stack (a failed run is for a developer to read).
  console.error(error instanceof UsageError ? `bench: ${error.message}` : error);
  process.exit(1);
});
