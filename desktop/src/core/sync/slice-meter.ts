/**
 * How long the sync's own synchronous slices of work take (framing a chunk, validating or checking a slice
 * of a batch, a run's transaction), timed inside the engine: in wall time, and in the process's CPU time
 * over the slice. The CPU figure is the load-insensitive one: on a machine whose cores other processes hold,
 * a slice's wall time includes the time it waited to run, its CPU time doesn't (GC helper threads count in
 * it, though). The bench reports both, beside the event loop's delay (docs/BENCHMARKS.md). Kept as
 * histograms, so a long-running app holds a fixed amount for them.
 */
export interface SliceSummary {
  readonly count: number;
  readonly maxMs: number;
  readonly p99Ms: number;
  readonly maxCpuMs: number;
  readonly p99CpuMs: number;
}

export class SliceMeter {
  private started: { wall: number; cpu: NodeJS.CpuUsage } | null = null;
  private wall = new Histogram();
  private cpu = new Histogram();

  /** A slice begins (a begin while one runs keeps the first). */
  begin(): void {
    this.started ??= { wall: performance.now(), cpu: process.cpuUsage() };
  }

  /** The slice ends (before a pause, an await, or the end of the work). */
  end(): void {
    if (this.started === null) return;
    const cpu = process.cpuUsage(this.started.cpu);
    this.wall.add(performance.now() - this.started.wall);
    this.cpu.add((cpu.user + cpu.system) / 1000);
    this.started = null;
  }

  /** Times one synchronous piece of work (inside a running slice it is part of that slice). */
  time<T>(work: () => T): T {
    if (this.started !== null) return work();
    this.begin();
    try {
      return work();
    } finally {
      this.end();
    }
  }

  summary(): SliceSummary {
    return {
      count: this.wall.count,
      maxMs: this.wall.max,
      p99Ms: this.wall.percentile(99),
      maxCpuMs: this.cpu.max,
      p99CpuMs: this.cpu.percentile(99),
    };
  }

  reset(): void {
    this.wall = new Histogram();
    this.cpu = new Histogram();
    this.started = null;
  }
}

const BUCKET_MS = 0.1;
const BUCKETS = 2_000; // up to 200 ms; longer values count in the last bucket (the maximum is kept exactly)

class Histogram {
  private readonly counts = new Uint32Array(BUCKETS);
  count = 0;
  max = 0;

  add(ms: number): void {
    this.counts[Math.min(BUCKETS - 1, Math.max(0, Math.floor(ms / BUCKET_MS)))]! += 1;
    this.count += 1;
    if (ms > this.max) this.max = ms;
  }

  /** Nearest rank, to 0.1 ms. */
  percentile(p: number): number {
    const rank = Math.ceil((this.count * p) / 100);
    let seen = 0;
    for (let i = 0; i < BUCKETS && this.count > 0; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.max, (i + 1) * BUCKET_MS);
    }
    return 0;
  }
}
