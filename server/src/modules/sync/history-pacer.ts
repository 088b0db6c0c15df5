/**
 * Takes turns between the history streams of one server (fair scheduling). Every page a fresh sync reads
 * from the database runs as one turn: at most `readers` turns run at once, the others wait in arrival
 * order, and the event loop is yielded to (setImmediate) after each turn. So one 500,000-message sync is
 * a long series of short turns instead of one long task: live events for other users, new streams'
 * manifests and ordinary requests run between its pages, and ten syncs at once hold ten streams' worth of
 * pages in turn, not ten pages each in flight — the server's memory stays bounded by the page size times
 * `readers` plus each stream's socket buffer, whatever the number or size of the syncs.
 */
export class HistoryPacer {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly readers: number) {}

  async turn<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.readers) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await work();
    } finally {
      // Let whatever else is ready (live fan-out, other requests) run before the next page is read.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** Turns waiting for a reader (for tests and metrics). */
  get queued(): number {
    return this.waiting.length;
  }
}
