import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AttachmentFigure } from './attachments';
import type { Limits } from './limits';
import type { MemoryPeaks } from './memory-sampler';

export interface FanoutResult {
  readonly devices: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** How long the sender's request took (commit + response), median. */
  readonly sendMs: number;
  readonly samples: number;
  /** Server instances the devices were spread over (the sender on one, the listeners on the others). */
  readonly instances: number;
  /** Processes reading the listeners' streams (fanout-run.ts: one per 2,500 devices). */
  readonly listenerProcesses?: number;
  /** Server CPU time a message cost, all instances summed (commit, Redis, every stream's write). */
  readonly serverCpuMsPerMessage?: number;
}

/** One workload's figures; the first ten fields are the JSON shape, the rest explain them. */
export interface WorkloadResult {
  readonly workload: string;
  readonly phase1Ms: number;
  readonly phase2Ms: number;
  readonly fullSyncMs: number;
  readonly messagesPerSec: number;
  readonly limitMs: number;
  readonly ratio: number;
  readonly desktopPeakRssMb: number;
  /** The server's peak RSS while this sync ran (approval → cache primed), sampled every 20 ms. */
  readonly serverPeakRssMb: number;
  /** Where that memory was: RSS and heap at approval, peaks of heap, external and array buffers (MB). */
  readonly serverMemory?: MemoryPeaks;
  readonly fanout: FanoutResult[];
  readonly messages: number;
  readonly wireBytes: number;
  /** The limit's three stages (their sum is limitMs). */
  readonly limit: Limits;
  /** Approval → the desktop's long-poll answered "approved" (the wake-up); → it holds its keys and tokens. */
  readonly wokenMs: number;
  readonly pairedMs: number;
  /** Messages of the last opened chat decrypted when phase 1 was declared ready (its visible window). */
  readonly decryptedOnOpen: number;
  /** Approval → sync stream open, → manifest applied (the first parts of phase 1). */
  readonly connectedMs: number;
  readonly manifestMs: number;
  /** Approval → all of the last opened chat's history stored (phase 1 is its newest window, readable). */
  readonly phase1CompleteMs: number;
  /** phase1Ms of each desktop linked in the run (`--samples`); phase1Ms and phase1CompleteMs are medians. */
  readonly phase1SamplesMs: readonly number[];
  /**
   * CPU time each process spent on the sync (desktop: pairing done → cache primed; server: approval →
   * cache primed). On a shared machine these move far less than wall times: compare them across runs.
   */
  readonly desktopCpuMs: number;
  readonly serverCpuMs: number;
  /** serverCpuMs per message served, in µs (the XMPP archive MAM anchor: ~110 µs a message). */
  readonly serverCpuUsPerMessage: number;

  /** The app with search (bench/desktop-app-measure.ts): the desktop process's peak RSS, sync included. */
  readonly appPeakRssMb: number;
  /** Event-loop stalls of the desktop process from pairing to cache primed (monitorEventLoopDelay). */
  readonly mainThreadMaxBlockMs: number;
  readonly mainThreadP99BlockMs: number;
  /**
   * The sync's own longest synchronous slice and its p99, timed inside the engine over the same span, in
   * CPU time: what the code blocks for, without the CPU starvation a shared machine adds to the stalls
   * above (the wall-time figures are in `syncSlices`). Absent in reports from before the fields.
   */
  readonly syncMaxSliceCpuMs?: number;
  readonly syncP99SliceCpuMs?: number;
  readonly syncSlices?: { count: number; maxMs: number; p99Ms: number };
  /** Approval → the newest screen of each of the 10 most recent chats stored. */
  readonly topChatsReadyMs: number | null;
  /** A synced app restarted on its store: → chat list answered, → search ready (index opened from disk). */
  readonly restartToChatListMs: number;
  readonly searchReadyAfterRestartMs: number;
  /** Search through the IPC handler over a fixed query set (5 rounds), after the restart. */
  readonly searchP50Ms: number;
  readonly searchP99Ms: number;
  /** Building the encrypted index from the synced store, and its size on disk. */
  readonly searchBuildMs: number;
  readonly searchIndexMb: number;
}

export interface BenchReport {
  readonly generatedAt: string;
  readonly mode: 'quick' | 'full' | 'custom';
  /** The server's database (`--db`); absent in reports from before the option (SQLite). */
  readonly db?: 'sqlite' | 'postgres';
  /** Server processes on that database, fanning out through Redis (`--instances`); absent before: 1. */
  readonly instances?: number;
  /** Node/V8 flags the server processes ran with (`--server-flags`), when any. */
  readonly serverFlags?: readonly string[];
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryGb: number;
    readonly node: string;
  };
  readonly results: WorkloadResult[];
  /** The attachment figure (bench/attachments.ts); absent in reports from before attachments. */
  readonly attachments?: AttachmentFigure;
  /** `--concurrent N`: N desktops linking N accounts at once, and live delivery to others meanwhile. */
  readonly concurrent?: ConcurrentResult;
}

export interface ConcurrentResult {
  readonly desktops: number;
  /** Each account's workload (M; S with --quick). */
  readonly workload: string;
  readonly instances: number;
  readonly fullSyncP50Ms: number;
  readonly fullSyncMaxMs: number;
  /** Peak RSS over the syncs, sampled (the highest instance's). */
  readonly serverPeakRssMb: number;
  readonly serverCpuUsPerMessage: number;
  /** Live `message:new` to another account's connected desktops, sent one after another from the syncs' start. */
  readonly fanoutP99MsDuring: number;
  readonly fanoutP50MsDuring: number;
  readonly fanoutDevices: number;
}

export function machineInfo(): BenchReport['machine'] {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: the smallest value with at least p% of the samples at or below it.
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const round1 = (n: number): number => Math.round(n * 10) / 10;

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

// ---- table ---------------------------------------------------------------------------------------

export function formatTable(report: BenchReport): string {
  const head = [
    'workload',
    'messages',
    'phase 1 (whole chat)',
    'phase 2',
    'full sync',
    'msg/s',
    'wire MB',
    'limit (xfer+dec+ins)',
    'ratio',
    'desktop RSS',
    'server RSS',
    'fan-out p50/p99',
  ];
  const rows = report.results.map((r) => [
    r.workload,
    String(r.messages),
    `${r.phase1Ms} ms (${r.phase1CompleteMs} ms)`,
    `${r.phase2Ms} ms`,
    `${r.fullSyncMs} ms`,
    String(r.messagesPerSec),
    (r.wireBytes / 2 ** 20).toFixed(1),
    `${r.limitMs} ms (${r.limit.transferParseMs}+${r.limit.decryptMs}+${r.limit.insertMs})`,
    r.ratio.toFixed(2),
    `${r.desktopPeakRssMb} MB`,
    `${r.serverPeakRssMb} MB`,
    r.fanout.map((f) => `${f.devices}: ${f.p50Ms}/${f.p99Ms} ms`).join(', ') || '-',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

// ---- chart (hand-written SVG: three small panels, each bar labelled with its value) ----------------

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function barPanel(
  title: string,
  top: number,
  rows: Array<{ label: string; bars: Array<{ value: number; color: string; text: string }> }>,
  target?: { value: number; text: string },
): { svg: string; height: number } {
  const left = 150;
  const width = 560;
  const barH = 14;
  const max = Math.max(1, ...rows.flatMap((r) => r.bars.map((b) => b.value)), target?.value ?? 0) * 1.15;
  const x = (v: number) => left + (v / max) * width;
  let y = top + 28;
  let svg = `<text x="10" y="${top + 16}" font-size="14" font-weight="bold">${esc(title)}</text>`;
  for (const row of rows) {
    svg += `<text x="${left - 8}" y="${y + barH}" font-size="12" text-anchor="end">${esc(row.label)}</text>`;
    for (const bar of row.bars) {
      svg += `<rect x="${left}" y="${y}" width="${Math.max(1, x(bar.value) - left).toFixed(1)}" height="${barH}" fill="${bar.color}"/>`;
      svg += `<text x="${(x(bar.value) + 4).toFixed(1)}" y="${y + barH - 3}" font-size="11">${esc(bar.text)}</text>`;
      y += barH + 3;
    }
    y += 8;
  }
  if (target) {
    // The target line spans the bars; its label sits under them, clear of the panel title.
    svg += `<line x1="${x(target.value).toFixed(1)}" y1="${top + 24}" x2="${x(target.value).toFixed(1)}" y2="${y - 2}" stroke="#c00" stroke-dasharray="4 3"/>`;
    svg += `<text x="${(x(target.value) + 3).toFixed(1)}" y="${y + 6}" font-size="10" fill="#c00">${esc(target.text)}</text>`;
    y += 12;
  }
  return { svg, height: y - top + 6 };
}

export function renderChart(report: BenchReport): string {
  const panels: string[] = [];
  let top = 34;
  const add = (panel: { svg: string; height: number }) => {
    panels.push(panel.svg);
    top += panel.height;
  };
  add(
    barPanel(
      'Full sync vs the machine limit on the same data (ms)',
      top,
      report.results.map((r) => ({
        label: `${r.workload} (${r.messages} msgs)`,
        bars: [
          { value: r.fullSyncMs, color: '#3b6fd8', text: `full sync ${r.fullSyncMs} ms — ratio ${r.ratio.toFixed(2)}` },
          { value: r.limitMs, color: '#9aa5b1', text: `limit ${r.limitMs} ms` },
        ],
      })),
    ),
  );
  add(
    barPanel(
      'Approval → phase ready (ms)',
      top,
      report.results.map((r) => ({
        label: r.workload,
        bars: [
          { value: r.phase1Ms, color: '#2a9d63', text: `phase 1 (last chat readable) ${r.phase1Ms} ms` },
          { value: r.phase1CompleteMs, color: '#52b07d', text: `all of the last chat ${r.phase1CompleteMs} ms` },
          { value: r.phase2Ms, color: '#7cc49c', text: `phase 2 ${r.phase2Ms} ms` },
        ],
      })),
      { value: 100, text: 'phase 1 target 100 ms (M)' },
    ),
  );
  add(
    barPanel(
      'Peak RSS (MB)',
      top,
      report.results.map((r) => ({
        label: r.workload,
        bars: [
          { value: r.desktopPeakRssMb, color: '#8a5cc2', text: `desktop ${r.desktopPeakRssMb} MB` },
          { value: r.serverPeakRssMb, color: '#c29a5c', text: `server ${r.serverPeakRssMb} MB` },
        ],
      })),
      { value: 300, text: 'desktop target 300 MB' },
    ),
  );
  const fanouts = report.results.flatMap((r) => r.fanout.map((f) => ({ ...f, workload: r.workload })));
  if (fanouts.length > 0) {
    add(
      barPanel(
        'Live fan-out: send → delivered on every device (ms)',
        top,
        fanouts.map((f) => ({
          label: `${f.workload}: ${f.devices} devices`,
          bars: [
            { value: f.p50Ms, color: '#d9822b', text: `p50 ${f.p50Ms} ms` },
            { value: f.p99Ms, color: '#b3541e', text: `p99 ${f.p99Ms} ms` },
          ],
        })),
        { value: 100, text: 'p99 target 100 ms' },
      ),
    );
  }
  const m = report.machine;
  const header = `<text x="10" y="20" font-size="13">Symc bench (${report.mode}) — ${esc(report.generatedAt)} — ${m.cpus} × ${esc(m.cpuModel)}, Node ${esc(m.node)}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="980" height="${top + 10}" font-family="sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
${header}
${panels.join('\n')}
</svg>
`;
}

/** Writes `<dir>/latest.json` and `<dir>/latest.svg`; returns their paths. */
export function writeReport(report: BenchReport, dir: string): { json: string; svg: string } {
  mkdirSync(dir, { recursive: true });
  const json = path.join(dir, 'latest.json');
  const svg = path.join(dir, 'latest.svg');
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(svg, renderChart(report));
  return { json, svg };
}
