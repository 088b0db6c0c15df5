import type { Backoff } from '../../../../common/retry/backoff';

/** The desktop's retry schedule for its stream and its outbox: from half a second up to 30 s. */
export const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000 };

/** Up to half of each wait is random, so desktops cut off by the same outage don't all return at once. */
export const BACKOFF_JITTER = 0.5;
