import type { ServerDeps } from '../../server-deps';
import type { CommittedChange } from '../changes/change-log';
import { readChangeLog } from './change-log-page';
import { toLiveEvents } from './change-events';
import type { SseWriter } from './sse-writer';

const REPLAY_PAGE = 500;

/**
 * Live phase: the changes after `cursor` from the log, then every new change as it commits, in seq order
 * with the seq as event id. The bus subscription starts before the log is read, and anything at or below
 * the last seq sent is dropped, so no change falls in the gap between "read the log" and "listen".
 */
export class LiveStream {
  private buffered: CommittedChange[] = [];
  private replaying = true;
  private lastSent: number;
  private chain: Promise<void> = Promise.resolve();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly deps: Pick<ServerDeps, 'db' | 'changes' | 'logger'>,
    private readonly userId: string,
    private readonly deviceId: string,
    private readonly writer: SseWriter,
    cursor: number,
  ) {
    this.lastSent = cursor;
    this.unsubscribe = deps.changes.subscribeUser(userId, (change) => {
      if (this.replaying) this.buffered.push(change);
      else this.enqueue([change]);
    });
    writer.onClose(() => this.unsubscribe());
  }

  async start(): Promise<void> {
    for (;;) {
      const page = await this.readLog(this.lastSent, REPLAY_PAGE);
      if (page.length === 0 || this.writer.closed) break;
      await this.send(page);
    }
    this.replaying = false;
    const buffered = this.buffered;
    this.buffered = [];
    this.enqueue(buffered);
    await this.chain;
  }

  private enqueue(changes: CommittedChange[]): void {
    this.chain = this.chain
      .then(() => this.send(changes))
      .catch((error: unknown) => {
        this.deps.logger.warn({ err: error, deviceId: this.deviceId }, 'live stream failed; closing it');
        this.writer.end();
      });
  }

  private readLog(after: number, take: number): Promise<CommittedChange[]> {
    return readChangeLog(this.deps.db, this.userId, after, take);
  }

  private async send(changes: CommittedChange[]): Promise<void> {
    let fresh = changes.filter((c) => c.seq > this.lastSent).sort((a, b) => a.seq - b.seq);
    if (fresh.length === 0 || this.writer.closed) return;
    // Seqs are gap-free per user, so a hole means a change is still on its way — with several instances,
    // notifications from two publishers can arrive out of order. The log holds it already (publish
    // follows commit, and commits follow seq order): read the range from there instead of skipping it.
    if (fresh.some((c, i) => c.seq !== this.lastSent + 1 + i)) {
      fresh = await this.readLog(this.lastSent, fresh[fresh.length - 1]!.seq - this.lastSent);
      if (fresh.length === 0 || this.writer.closed) return;
    }
    for (const event of await toLiveEvents(this.deps.db, this.userId, fresh)) {
      await this.writer.send(event.name, event.payload as never, String(event.seq));
      if (event.name === 'device:revoked' && event.payload.deviceId === this.deviceId) {
        this.writer.end();
        return;
      }
    }
    this.lastSent = Math.max(this.lastSent, ...fresh.map((c) => c.seq));
  }
}
