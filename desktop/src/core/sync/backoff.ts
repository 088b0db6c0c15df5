/** How long to wait after failures: doubles from `initialMs` up to `maxMs`. */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000 };

/**
 * The wait before the next attempt after `failures` consecutive failures (0 → none), with jitter (50–100 %)
 * so that desktops cut off by the same outage do not all come back in the same instant.
 */
export function backoffDelay(failures: number, { initialMs, maxMs }: BackoffOptions, random: () => number = Math.random): number {
  if (failures <= 0) return 0;
  return Math.min(maxMs, initialMs * 2 ** (failures - 1)) * (0.5 + random() / 2);
}
