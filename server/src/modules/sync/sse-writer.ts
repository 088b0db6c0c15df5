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

function format(name: SyncEventName, payload: object, id?: string): string {
  return `${id !== undefined ? `id: ${id}\n` : ''}event: ${name}\ndata: ${serialize(payload)}\n\n`;
}

/** An event written just before a stream is ended (why it ends); it carries no id, so no position moves. */
export type FinalEvent = {
  [N in SyncEventName]: { readonly name: N; readonly payload: SyncEventPayload<N> };
}[SyncEventName];

export interface SseLimits {
  readonly heartbeatMs: number;
  /** A backpressured stream whose reader takes no byte for this long is cut. */
  readonly stallMs: number;
  /** Bytes the response may hold waiting for its reader (plus the event being written); more cuts the stream. */
  readonly maxBufferedBytes: number;
}

/** Why the server cut a stream itself (metrics label). */
export type CutReason = 'stalled' | 'buffer_full';

/**
 * Longest an ended stream may take to hand its last buffered bytes to its reader before the socket is
 * destroyed: ending a stream (revoked device, signed-out session, shutdown) takes effect within it even
 * when the reader is slow.
 */
export const END_GRACE_MS = 1_000;

/** Largest piece handed to the socket at once: a reader that takes bytes slowly still shows progress. */
const SLICE_BYTES = 64 * 1024;

/**
 * One server-sent-events response. Writes honour backpressure (a slow desktop slows the producer instead
 * of buffering the whole history in memory), heartbeats keep proxies from timing the stream out, and
 * `closed` flips as soon as the stream ends so producers stop early.
 *
 * Invariants under abuse (a reader that never reads): every producer waiting for the socket shares ONE
 * wait, woken by ONE permanent 'drain' listener (no listener per write or per heartbeat); a heartbeat is
 * skipped while the socket is backpressured (it adds nothing a queued event doesn't); the bytes held are
 * bounded (`maxBufferedBytes` plus one event); and a reader that takes no byte for `stallMs` is cut.
 */
export class SseWriter {
  private readonly heartbeat: NodeJS.Timeout;
  private closedFlag = false;
  private readonly closeListeners = new Set<() => void>();
  private drained: Promise<void> | null = null;
  private releaseDrain: (() => void) | null = null;
  private stallCheck: NodeJS.Timeout | null = null;
  bytesWritten = 0;

  constructor(
    readonly response: Response,
    private readonly limits: SseLimits,
    private readonly onCut: (reason: CutReason) => void = () => {},
  ) {
    response.status(200).set({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.flushHeaders();
    response.socket?.setNoDelay(true);
    this.heartbeat = setInterval(() => this.beat(), limits.heartbeatMs);
    response.on('drain', () => this.release());
    response.on('close', () => this.markClosed());
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  onClose(listener: () => void): void {
    if (this.closedFlag) listener();
    else this.closeListeners.add(listener);
  }

  async send<N extends SyncEventName>(name: N, payload: SyncEventPayload<N>, id?: string): Promise<void> {
    await this.write(format(name, payload, id));
  }

  /**
   * Writes one event whose data is given as text pieces (HistoryBatch): the pieces concatenated must be
   * the JSON of `SyncEventPayload<N>` with no raw newline. All pieces are handed to the socket in one go
   * (nothing can come between them, not even a heartbeat), then the producer waits for the reader as for
   * any event.
   */
  async sendParts<N extends SyncEventName>(name: N, dataParts: readonly string[], id?: string): Promise<void> {
    // The event's head goes out with its first data part: one write fewer, and a reader (or a proxy) sees
    // the event name beside the start of its data.
    const head = `${id !== undefined ? `id: ${id}\n` : ''}event: ${name}\ndata: `;
    const [first = '', ...rest] = dataParts;
    await this.writeParts([head + first, ...rest, '\n\n']);
  }

  async comment(text: string): Promise<void> {
    await this.write(`: ${text}\n\n`);
  }

  /**
   * Ends the response, after `final` when given. The client reconnects or stops by itself. Producers see
   * `closed` at once; what is already buffered gets END_GRACE_MS to reach the reader, then the socket goes.
   */
  end(final?: FinalEvent): void {
    if (this.closedFlag) return;
    if (final && this.response.writable) this.response.write(format(final.name, final.payload));
    this.response.end();
    // Only until the response is flushed: after that the connection may be serving the client's next request.
    const socket = this.response.socket;
    if (socket && !socket.destroyed && !this.response.writableFinished) {
      const grace = setTimeout(() => socket.destroy(), END_GRACE_MS);
      grace.unref();
      const settled = () => clearTimeout(grace);
      this.response.once('finish', settled);
      this.response.once('close', settled);
    }
    this.markClosed();
  }

  private beat(): void {
    if (this.closedFlag) return;
    this.watchProgress();
    if (!this.drained) void this.comment('heartbeat');
  }

  private async write(chunk: string): Promise<void> {
    if (this.closedFlag) return;
    // What the reader has not taken yet: beyond the bound, it is not keeping up. (One event is always
    // accepted on top, so the bound needn't know the largest event.)
    if (this.response.writableLength > this.limits.maxBufferedBytes) {
      this.cut('buffer_full');
      return;
    }
    const buffer = Buffer.from(chunk, 'utf8');
    this.bytesWritten += buffer.length;
    let ok = true;
    for (let at = 0; at < buffer.length; at += SLICE_BYTES)
      ok = this.response.write(buffer.subarray(at, at + SLICE_BYTES));
    if (!ok) this.waitForDrain();
    if (this.drained) await this.drained;
  }

  private async writeParts(parts: readonly string[]): Promise<void> {
    if (this.closedFlag) return;
    if (this.response.writableLength > this.limits.maxBufferedBytes) {
      this.cut('buffer_full');
      return;
    }
    let ok = true;
    for (const part of parts) {
      this.bytesWritten += Buffer.byteLength(part, 'utf8');
      ok = this.response.write(part, 'utf8');
    }
    if (!ok) this.waitForDrain();
    if (this.drained) await this.drained;
  }

  /** Backpressure: one shared wait (released by the one 'drain' listener), and a watch on the reader. */
  private waitForDrain(): void {
    if (this.drained || this.closedFlag) return;
    this.drained = new Promise<void>((resolve) => (this.releaseDrain = resolve));
    this.watchProgress();
  }

  /**
   * While bytes wait for the reader, checks every `stallMs` that it took some since the last check
   * (bytes written minus bytes still held; framing makes it a little pessimistic, never optimistic).
   * Heartbeats start it too, so a reader that stops with less than a socket buffer pending is found.
   */
  private watchProgress(): void {
    if (this.stallCheck || this.closedFlag || this.response.writableLength === 0) return;
    let taken = this.bytesWritten - this.response.writableLength;
    this.stallCheck = setInterval(() => {
      const held = this.response.writableLength;
      const now = this.bytesWritten - held;
      if (held === 0) this.stopWatching();
      else if (now > taken) taken = now;
      else this.cut('stalled');
    }, this.limits.stallMs);
    this.stallCheck.unref();
  }

  private stopWatching(): void {
    if (this.stallCheck) clearInterval(this.stallCheck);
    this.stallCheck = null;
  }

  private release(): void {
    this.stopWatching();
    const release = this.releaseDrain;
    this.drained = null;
    this.releaseDrain = null;
    release?.();
  }

  /** The reader is too slow or gone: drop the connection now (a reset frees the kernel's buffers too). */
  private cut(reason: CutReason): void {
    if (this.closedFlag) return;
    this.onCut(reason);
    const socket = this.response.socket;
    if (socket && typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
    else socket?.destroy();
    this.markClosed();
  }

  private markClosed(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    clearInterval(this.heartbeat);
    this.release();
    for (const listener of this.closeListeners) listener();
    this.closeListeners.clear();
  }
}
