import type { Response } from 'express';
import type { SyncEventName, SyncEventPayload } from '../../../../common/contract';

/**
 * Payloads handed to many streams at once (a new message to every device of a group's members): the
 * first stream to send one serializes it, the others reuse the string. Weak, so a payload and its text
 * go away together. Only payloads nobody mutates may be marked.
 */
const sharedPayloads = new WeakMap<object, string | null>();

export function markShared<T extends object>(payload: T): T {
  sharedPayloads.set(payload, null);
  return payload;
}

function serialize(payload: object): string {
  const cached = sharedPayloads.get(payload);
  if (cached) return cached;
  const data = JSON.stringify(payload);
  if (cached === null) sharedPayloads.set(payload, data);
  return data;
}

/**
 * One server-sent-events response. Writes honour backpressure (a slow desktop slows the producer instead
 * of buffering the whole history in memory), heartbeats keep proxies from timing the stream out, and
 * `closed` flips as soon as the client goes away so producers stop early.
 */
export class SseWriter {
  private heartbeat: NodeJS.Timeout;
  private closedFlag = false;
  private readonly closeListeners = new Set<() => void>();
  bytesWritten = 0;

  constructor(
    private readonly res: Response,
    heartbeatMs: number,
  ) {
    res.status(200).set({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    this.heartbeat = setInterval(() => void this.comment('heartbeat'), heartbeatMs);
    res.on('close', () => this.markClosed());
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  onClose(listener: () => void): void {
    if (this.closedFlag) listener();
    else this.closeListeners.add(listener);
  }

  async send<N extends SyncEventName>(name: N, payload: SyncEventPayload<N>, id?: string): Promise<void> {
    const data = serialize(payload);
    await this.write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${name}\ndata: ${data}\n\n`);
  }

  async comment(text: string): Promise<void> {
    await this.write(`: ${text}\n\n`);
  }

  /** Ends the response (server shutdown, revoked device); the client reconnects or stops by itself. */
  end(): void {
    if (!this.closedFlag) this.res.end();
    this.markClosed();
  }

  private async write(chunk: string): Promise<void> {
    if (this.closedFlag) return;
    this.bytesWritten += Buffer.byteLength(chunk);
    if (!this.res.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.res.off('drain', done);
          this.res.off('close', done);
          resolve();
        };
        this.res.on('drain', done);
        this.res.on('close', done);
      });
    }
  }

  private markClosed(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    clearInterval(this.heartbeat);
    for (const listener of this.closeListeners) listener();
    this.closeListeners.clear();
  }
}
