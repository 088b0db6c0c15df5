/**
 * Peaks of a process's memory by kind over a window, sampled every 20 ms: peak RSS alone says how much,
 * these say where (V8's heap, or buffers and native allocations outside it). `reset()` starts a new
 * window: the kernel's own peak (maxRSS) covers the whole life of the process, sign-ups and seeding
 * included, while the figure wanted is the peak while one sync (or one batch of syncs) runs.
 */
export interface MemoryPeaks {
  /** RSS and heap used when the window began: what the process held before the measured work. */
  startRssMb: number;
  startHeapUsedMb: number;
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  arrayBuffersMb: number;
}

const MB = 2 ** 20;

export class MemorySampler {
  private peaks: MemoryPeaks = MemorySampler.empty();

  constructor(intervalMs = 20) {
    setInterval(() => this.sample(), intervalMs).unref();
  }

  reset(): void {
    this.peaks = MemorySampler.empty();
    this.sample();
    this.peaks.startRssMb = this.peaks.rssMb;
    this.peaks.startHeapUsedMb = this.peaks.heapUsedMb;
  }

  read(): MemoryPeaks {
    this.sample();
    return { ...this.peaks };
  }

  private sample(): void {
    const m = process.memoryUsage();
    const p = this.peaks;
    p.rssMb = Math.max(p.rssMb, m.rss / MB);
    p.heapUsedMb = Math.max(p.heapUsedMb, m.heapUsed / MB);
    p.heapTotalMb = Math.max(p.heapTotalMb, m.heapTotal / MB);
    p.externalMb = Math.max(p.externalMb, m.external / MB);
    p.arrayBuffersMb = Math.max(p.arrayBuffersMb, m.arrayBuffers / MB);
  }

  private static empty(): MemoryPeaks {
    return {
      startRssMb: 0,
      startHeapUsedMb: 0,
      rssMb: 0,
      heapUsedMb: 0,
      heapTotalMb: 0,
      externalMb: 0,
      arrayBuffersMb: 0,
    };
  }
}
