import { useEffect, useRef } from 'react';

/**
 * Runs `task` now, then every `everyMs` while the page is visible, and again when it becomes visible.
 * The phone web app has no event stream yet (the desktop's sync stream is its own issue); polling while a
 * screen is on is the honest stand-in, and it stops when the phone is locked or the tab hidden.
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
