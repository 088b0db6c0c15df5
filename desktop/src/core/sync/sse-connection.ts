import type { SliceMeter } from './slice-meter';
import { SseFramer } from './sse-framing';

export interface RawEvent {
  readonly name: string;
  readonly data: string;
  readonly id: string | null;
}

export interface SseConnectionHandlers {
  onOpen(): void;
  onEvent(event: RawEvent): void;
  /** While this returns a promise, the stream is not read on (the receiver is behind: TCP slows the server). */
  backlog?(): Promise<void> | undefined;
  /** The stream failed or ended; `status` is the HTTP status when the server refused it. */
  onDown(reason: { status?: number; message: string }): void;
}

/**
 * A stream that sends nothing for this long is treated as dead, until the server announces its heartbeat
 * (`connected.heartbeatMs`; see `silenceAfterHeartbeat`). A half-open TCP connection — a laptop waking
 * from sleep on another network, a NAT that forgot us — never reports an error by itself.
 */
export const DEFAULT_SILENCE_MS = 75_000;

/** Three missed heartbeats, plus slack for a busy server. */
export function silenceAfterHeartbeat(heartbeatMs: number): number {
  return heartbeatMs * 3 + 1_000;
}

export interface SseConnection {
  close(): void;
  /** Changes how long the stream may stay silent (bytes of any kind, heartbeats included) before it is dropped. */
  setSilenceMs(ms: number): void;
}

/**
 * One attempt at the sync stream: a fetch whose body is framed by `SseFramer` (bytes, not text: see there).
 * There is no reconnection here: a reconnect must resume from the last id the engine *applied* (stored with
 * the data), not the last one received, so any failure closes this connection and the engine opens the next.
 *
 * Every named event is handed on, known or not: the engine reports unknown names (a newer server, a bug)
 * as `unknown_event`. Unnamed events (`message`) are not part of our protocol and are dropped, as before.
 */
export function openSseConnection(
  url: string,
  headers: () => Record<string, string>,
  handlers: SseConnectionHandlers,
  fetchImpl: typeof fetch = fetch,
  options: { readonly silenceMs?: number; readonly slices?: SliceMeter } = {},
): SseConnection {
  let closed = false;
  let silenceMs = options.silenceMs ?? DEFAULT_SILENCE_MS;
  let watchdog: NodeJS.Timeout | null = null;
  const abort = new AbortController();
  const down = (reason: { status?: number; message: string }) => {
    if (closed) return;
    closed = true;
    if (watchdog) clearTimeout(watchdog);
    abort.abort();
    handlers.onDown(reason);
  };
  // Re-armed by every chunk that arrives (and when the request starts: a server that never answers counts too).
  const alive = () => {
    if (closed) return;
    if (watchdog) clearTimeout(watchdog);
    watchdog = setTimeout(
      () => down({ message: `the sync stream was silent for ${Math.round(silenceMs / 1000)} s` }),
      silenceMs,
    );
    watchdog.unref();
  };
  const framer = new SseFramer((frame) => {
    if (closed || frame.name === 'message') return;
    handlers.onEvent(frame);
  });

  const run = async () => {
    alive();
    const response = await fetchImpl(url, {
      headers: { accept: 'text/event-stream', 'cache-control': 'no-store', ...headers() },
      signal: abort.signal,
    });
    if (closed) return void response.body?.cancel().catch(() => undefined);
    if (response.status !== 200) {
      void response.body?.cancel().catch(() => undefined);
      return down({ status: response.status, message: `Non-200 status code (${response.status})` });
    }
    if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream') || !response.body) {
      void response.body?.cancel().catch(() => undefined);
      return down({ message: 'Invalid content type, expected "text/event-stream"' });
    }
    handlers.onOpen();
    const reader = response.body.getReader();
    for (;;) {
      const behind = handlers.backlog?.();
      if (behind) {
        // Waiting for our own receiver is not the server's silence.
        if (watchdog) clearTimeout(watchdog);
        await behind;
        alive();
      }
      const { done, value } = await reader.read();
      if (closed) return void reader.cancel().catch(() => undefined);
      if (done) return down({ message: 'the sync stream was interrupted' });
      alive();
      if (options.slices) options.slices.time(() => framer.push(value));
      else framer.push(value);
    }
  };
  run().catch((error: unknown) => down({ message: failureMessage(error) }));
  return {
    close: () => down({ message: 'closed' }),
    setSilenceMs: (ms) => {
      silenceMs = ms;
      alive();
    },
  };
}

/** A fetch failure with its cause ("fetch failed: connect ECONNREFUSED …"). */
function failureMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${failureMessage(error.cause)}` : error.message;
}
