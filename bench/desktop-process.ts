import { monitorEventLoopDelay } from 'node:perf_hooks';
import { FIRST_SCREEN_MESSAGES } from '../common/contract';
import { measureApp } from './desktop-app-measure';
import { initCrypto } from '../common/crypto';
import { DesktopCore } from '../desktop/src/core/desktop-core';
import { FileKeyVault } from '../desktop/src/core/keys/file-key-vault';
import { DesktopPairing } from '../desktop/src/core/pairing/desktop-pairing';
import { warmUpOnce } from '../desktop/src/core/sync/warm-up';
import type { SliceSummary } from '../desktop/src/core/sync/slice-meter';
import type { SyncProgress } from '../desktop/src/core/sync/sync-progress';
import { cpuMs, nowMs, peakRssMb, serveParent } from './child';

/**
 * A headless desktop in its own process: links through the real QR flow (the orchestrator plays the
 * phone), then runs the real DesktopCore sync against the server, reporting when each phase is ready.
 * "Phase 1" is when the last opened chat's visible window (the newest 200 messages) is stored and
 * decrypted in memory — what the user waits for before reading; "phase 1 complete" when all of that
 * chat's history is stored (`phase_1_last_chat_ready`).
 */
export interface SyncTimes {
  /** The desktop's long-poll answered "approved" (before it confirms and opens the bundle). */
  readonly woken: number;
  readonly paired: number;
  /** DesktopCore opened (store, keyring) and started (its `me` call answered). */
  readonly coreOpen: number;
  readonly coreStarted: number;
  /** The sync stream is open (after the desktop core started: store, identity, hello). */
  readonly connected: number;
  /** The manifest (`sync:initial`) is applied: the chat list can be shown. */
  readonly manifest: number;
  readonly phase1: number;
  readonly phase1Complete: number;
  readonly phase2: number;
  readonly phase3: number;
  readonly primed: number;
}

export interface DesktopReport {
  readonly type: 'synced';
  readonly times: SyncTimes;
  readonly messages: number;
  readonly wireBytes: number;
  readonly peakRssMb: number;
  readonly decryptedOnOpen: number;
  /** CPU time the desktop spent from pairing done to cache primed. */
  readonly cpuMs: number;
  /** The longest and the 99th-percentile event-loop stall of this process from pairing to cache primed. */
  readonly mainThreadMaxBlockMs: number;
  readonly mainThreadP99BlockMs: number;
  /**
   * The sync's own synchronous slices of work over the same span, timed inside the engine (`SliceMeter`):
   * how many, the longest and the 99th percentile, in wall time and in CPU time. The CPU figures don't
   * count the time the process waited for a core held by others (the bench's server, other work).
   */
  readonly syncSlices: SliceSummary;
  /** The newest screen of each of the 10 most recent chats stored (null: the sync ended first — impossible). */
  readonly topChatsReady: number | null;
}

/** Counts response bytes as they arrive (the SSE stream included), without buffering anything. */
function countingFetch(counter: { bytes: number }): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (!response.body) return response;
    const counted = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          counter.bytes += chunk.byteLength;
          controller.enqueue(chunk);
        },
      }),
    );
    return new Response(counted, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

let core: DesktopCore | null = null;
let linked: { serverUrl: string; dir: string; maxBytes: number } | null = null;
const TOP_CHATS = 10;

serveParent(async (message, reply) => {
  if (message.type === 'stop') {
    await core?.stop();
    process.exit(0);
  }
  if (message.type === 'app') {
    // The synced store, reopened by the app service with search (what Electron main / desktop:headless run).
    await core?.stop();
    core = null;
    reply({ type: 'app', ...(await measureApp(linked!)) });
    return;
  }
  if (message.type !== 'pair') return;
  await initCrypto();
  const { serverUrl, dir, maxBytes } = message as unknown as { serverUrl: string; dir: string; maxBytes: number };
  linked = { serverUrl, dir, maxBytes };
  const vault = new FileKeyVault(`${dir}/keys`);
  const pairing = new DesktopPairing({ serverUrl, vault, deviceName: 'Bench desktop', platform: 'linux' });
  let woken = 0;
  pairing.subscribe((state) => {
    // As the app does (AppService): the first sync's code paths warm up while the QR is on screen.
    if (state.kind === 'showing') {
      warmUpOnce();
      reply({ type: 'qr', link: state.link, checkCode: state.checkCode });
    }
    if (state.kind === 'approved' && !woken) woken = nowMs();
  });
  const final = await pairing.start();
  if (final.kind !== 'paired') throw new Error(`pairing ended ${final.kind}`);
  const paired = nowMs();
  const cpuAtPairing = cpuMs();
  const stalls = monitorEventLoopDelay({ resolution: 10 });
  stalls.enable();

  const wire = { bytes: 0 };
  core = await DesktopCore.open({
    dataDir: dir,
    vault,
    fetch: countingFetch(wire),
    budget: { maxChats: 100, maxBytes },
  });
  if (!core) throw new Error('the desktop is not linked after pairing');
  const c = core;
  c.engine.slices.reset();
  const times: Partial<Record<keyof SyncTimes, number>> = { woken, paired, coreOpen: nowMs() };
  let decryptedOnOpen = 0;
  let lastReport = 0;
  // topChatsReady: once the manifest is in, the 10 most recently updated chats; each is ready when its newest
  // screen (or all it has, if less) is stored.
  let topPending: Set<string> | null = null;
  let topChatsReady: number | null = null;
  const screenStored = (chatId: string) => {
    const chat = c.store.getChat(chatId);
    const want = Math.min(FIRST_SCREEN_MESSAGES, chat?.server_message_count ?? 0);
    return c.store.listMessages(chatId, want).length >= want;
  };
  c.engine.onMessages((records) => {
    if (!topPending || topChatsReady !== null) return;
    for (const chatId of new Set(records.map((r) => r.chatId)))
      if (topPending.has(chatId) && screenStored(chatId)) topPending.delete(chatId);
    if (topPending.size === 0) topChatsReady = nowMs();
  });
  const done = new Promise<void>((resolve, reject) => {
    const off = c.engine.onProgress((p: SyncProgress) => {
      if (p.lastError && p.connection === 'offline') reject(new Error(`sync failed: ${p.lastError}`));
      if (times.connected === undefined && p.connection === 'connected') times.connected = nowMs();
      if (times.manifest === undefined && p.totals) {
        times.manifest = nowMs();
        const recent = c.store
          .listChats()
          .sort((a, b) => b.updated_at.localeCompare(a.updated_at))
          .slice(0, TOP_CHATS);
        topPending = new Set(recent.map((chat) => chat.id).filter((id) => !screenStored(id)));
        if (topPending.size === 0) topChatsReady = nowMs();
      }
      if (times.phase1 === undefined && p.lastChatReadyAt !== null) {
        decryptedOnOpen = c.reader.warm(c.store.getState('last_opened_chat_id') ?? '', FIRST_SCREEN_MESSAGES);
        times.phase1 = nowMs();
      }
      if (times.phase1Complete === undefined && p.phases[1].state === 'done') times.phase1Complete = nowMs();
      if (times.phase2 === undefined && p.phases[2].state === 'done') times.phase2 = nowMs();
      if (times.phase3 === undefined && p.phases[3].state === 'done') times.phase3 = nowMs();
      if (p.primed) {
        times.primed = nowMs();
        queueMicrotask(() => off());
        resolve();
      }
      const now = Date.now();
      if (now - lastReport > 1000) {
        lastReport = now;
        const messages = p.phases[1].messages + p.phases[2].messages + p.phases[3].messages;
        reply({ type: 'progress', messages, total: p.totals?.messages ?? 0 });
      }
    });
  });
  await c.start();
  times.coreStarted = nowMs();
  await done;
  stalls.disable();
  const p = c.engine.progress;
  reply({
    type: 'synced',
    times: times as SyncTimes,
    messages: p.phases[1].messages + p.phases[2].messages + p.phases[3].messages,
    wireBytes: wire.bytes,
    peakRssMb: peakRssMb(),
    decryptedOnOpen,
    cpuMs: cpuMs() - cpuAtPairing,
    mainThreadMaxBlockMs: stalls.max / 1e6,
    mainThreadP99BlockMs: stalls.percentile(99) / 1e6,
    syncSlices: c.engine.slices.summary(),
    topChatsReady,
  } satisfies DesktopReport);
});
