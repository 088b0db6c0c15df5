/** Delays for retrying: `initialMs` after the first failure, doubled after each further one, at most `maxMs`. */
export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

/**
 * The one exponential backoff every reconnect and retry loop uses (the desktop's sync stream, the phone's
 * live events, update checks). `failures` counts the failures since the last success: 0 means no wait.
 * `jitter` (0–1) shortens each delay by a random share of up to that fraction, so clients cut off together
 * don't all come back in the same instant; 0 gives the exact delay (for schedules that must be predictable).
 */
export function backoffDelay(
  failures: number,
  backoff: Backoff,
  jitter = 0,
  random: () => number = Math.random,
): number {
  if (failures <= 0) return 0;
  // 2^30 × any useful initial delay is past every cap; the bound only keeps the arithmetic finite.
  const full = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(failures - 1, 30));
  return full * (1 - jitter * random());
}
