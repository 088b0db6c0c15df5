import { EventEmitter } from 'node:events';

/**
 * Wakes the desktop's pending long-poll when its pairing session changes state. In-process; with several
 * server instances the same signal travels over Redis pub/sub.
 */
export class PairingEvents extends EventEmitter {
  constructor() {
    super();
    // One listener per waiting desktop; many can wait at once.
    this.setMaxListeners(0);
  }

  changed(pairingId: string): void {
    this.emit(pairingId);
  }

  /** Resolves on the next change of this session, or after `ms`, whichever comes first. */
  waitForChange(pairingId: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.off(pairingId, done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.once(pairingId, done);
      signal?.addEventListener('abort', done);
    });
  }
}
