import { EventEmitter } from 'node:events';
import { type Fanout, localOnly } from '../changes/fanout';

/** A desktop whose pairing this instance just confirmed: its device row and tokens exist. */
export interface DesktopLinked {
  readonly userId: string;
  readonly deviceId: string;
}

const DESKTOP_LINKED = Symbol('desktop-linked');

/**
 * Wakes the desktop's pending long-poll when its pairing session changes state. With several server
 * instances the signal also travels over the fan-out (Redis pub/sub): the phone's approval may land on
 * another instance than the one holding the desktop's wait. A wake is only a hint — the waiter re-reads
 * the session from the database.
 */
export class PairingEvents extends EventEmitter {
  constructor(private readonly fanout: Fanout = localOnly) {
    super();
    // One listener per waiting desktop; many can wait at once.
    this.setMaxListeners(0);
    fanout.subscribe('pairing', (pairingId) => this.emit(pairingId));
  }

  changed(pairingId: string): void {
    this.emit(pairingId);
    this.fanout.publish('pairing', pairingId);
  }

  /**
   * Announces a confirmed pairing to whoever prepares for new desktops (the sync module's fresh-sync preparations),
   * on this instance only: the desktop's next request is most likely to land here.
   */
  desktopLinked(link: DesktopLinked): void {
    this.emit(DESKTOP_LINKED, link);
  }

  /** Calls `listener` after every confirmed pairing (synchronously: defer heavy work). Returns the unsubscribe. */
  onDesktopLinked(listener: (link: DesktopLinked) => void): () => void {
    this.on(DESKTOP_LINKED, listener);
    return () => this.off(DESKTOP_LINKED, listener);
  }

  /**
   * Resolves on the next change of this session, or after `ms`, or on abort, whichever comes first. The
   * listener is registered before this returns: a caller that re-reads the session after calling it
   * cannot miss a change that happened in between.
   */
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
      if (signal?.aborted) done();
      else signal?.addEventListener('abort', done);
    });
  }
}
