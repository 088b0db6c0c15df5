import type { ParsedEvent } from './event-applier';

/**
 * At most this much history is applied in one transaction: one full batch of the server's (2,000 messages or
 * 1 MiB of ciphertext), or several smaller ones. A transaction is one synchronous slice of the main thread
 * (~10 ms for 2,000 rows on an idle core); 5,000 rows saved no measurable time (docs/BENCHMARKS.md).
 */
export const HISTORY_RUN = { messages: 2_000, bytes: 2 * 1024 * 1024 } as const;

/**
 * Splits received events into the runs the engine applies, one SQLite transaction each (the position
 * stored is the run's last event's, in the same transaction):
 * - consecutive history batches (`message:sync`) share one, up to `HISTORY_RUN` messages and ciphertext
 *   bytes. When the desktop is the slower end, batches queue up while one applies, and each commit writes
 *   every index page its batch touched: fewer commits, fewer pages written more than once;
 * - a phase-1 batch is a run of its own, so the last chat's first screen is stored — and reported — without
 *   waiting for the rest of that chat;
 * - consecutive other events (live changes, phase markers, the manifest) share one.
 */
export function applyRuns(
  events: readonly ParsedEvent[],
  limit: { messages: number; bytes: number } = HISTORY_RUN,
): ParsedEvent[][] {
  const runs: ParsedEvent[][] = [];
  let run: ParsedEvent[] = [];
  let messages = 0;
  let bytes = 0;
  const close = () => {
    if (run.length > 0) runs.push(run);
    run = [];
    messages = 0;
    bytes = 0;
  };
  for (const event of events) {
    const history = event.name === 'message:sync' ? event.payload : null;
    const size = history?.messages.length ?? 0;
    const weight = history?.messages.reduce((n, m) => n + m.ciphertext.length, 0) ?? 0;
    const runIsHistory = run[0]?.name === 'message:sync';
    const joins =
      history === null
        ? !runIsHistory
        : runIsHistory && history.phase !== 1 && messages + size <= limit.messages && bytes + weight <= limit.bytes;
    if (!joins) close();
    run.push(event);
    messages += size;
    bytes += weight;
    if (history?.phase === 1) close();
  }
  close();
  return runs;
}
