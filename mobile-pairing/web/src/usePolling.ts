import { useEffect, useRef } from 'react';

/**
 * Runs `task` now, then every `everyMs` while the page is visible, and again when it becomes visible.
 * Changes normally arrive on the live stream (`live/useLiveEvents.ts`); polling is the fallback — fast
 * while the stream is down, slow while it is up — and it stops when the phone is locked or the tab hidden.
 * A new interval restarts the loop with an immediate run: a stream coming up catches up that way.
 */
export function usePolling(task: () => Promise<void>, everyMs: number, deps: readonly unknown[]): void {
  const latest = useRef(task);
  latest.current = task;
  useEffect(() => {
    let stopped = false;
    let running = false;
    const run = async () => {
      if (stopped || running || document.visibilityState !== 'visible') return;
      running = true;
      try {
        await latest.current();
      } finally {
        running = false;
      }
    };
    void run();
    const timer = window.setInterval(() => void run(), everyMs);
    const onVisible = () => void run();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      stopped = true;
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
    // The caller lists what restarts the loop; the task itself is read through a ref.
  }, [everyMs, ...deps]);
}
