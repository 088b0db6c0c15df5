import { EventSource } from 'eventsource';
import { SYNC_EVENT_NAMES } from '../../../../common/contract';
import { unknownEventTap } from './unknown-event-tap';

export interface RawEvent {
  readonly name: string;
  readonly data: string;
  readonly id: string | null;
}

export interface SseConnectionHandlers {
  onOpen(): void;
  onEvent(event: RawEvent): void;
  /** The stream failed or ended; `status` is the HTTP status when the server refused it. */
  onDown(reason: { status?: number; message: string }): void;
}

const KNOWN = new Set<string>([...SYNC_EVENT_NAMES, 'message']);

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
 * One attempt at the sync stream, on the `eventsource` package. Reconnection is NOT left to the package:
 * it would resume from the last id it *received*, while only the engine knows the last id it *applied*
 * (stored with the data). So any failure closes this connection and the engine opens the next one.
 *
 * EventSource drops events whose name has no listener; to report unknown events (a newer server, a bug)
 * the response body is tapped on its way in and unknown `event:` names are surfaced as such.
 */
export function openSseConnection(
  url: string,
  headers: () => Record<string, string>,
  handlers: SseConnectionHandlers,
  fetchImpl: typeof fetch = fetch,
  options: { readonly silenceMs?: number } = {},
): SseConnection {
  let closed = false;
  let silenceMs = options.silenceMs ?? DEFAULT_SILENCE_MS;
  let watchdog: NodeJS.Timeout | null = null;
  const down = (reason: { status?: number; message: string }) => {
    if (closed) return;
    closed = true;
    if (watchdog) clearTimeout(watchdog);
    source.close();
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
  const activity = () =>
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        alive();
        controller.enqueue(chunk);
      },
    });

  const source = new EventSource(url, {
    fetch: async (input, init) => {
      alive();
      const response = await fetchImpl(
        input as string,
        { ...init, headers: { ...(init?.headers ?? {}), ...headers() } } as RequestInit,
      );
      if (!response.body) return response;
      return new Response(
        response.body
          .pipeThrough(activity())
          .pipeThrough(unknownEventTap(KNOWN, (name, data) => handlers.onEvent({ name, data, id: null }))),
        {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
        },
      );
    },
  });
  source.addEventListener('open', () => handlers.onOpen());
  source.addEventListener('error', (event) => {
    const { code, message } = event as unknown as { code?: number; message?: string };
    down({ ...(code ? { status: code } : {}), message: message ?? 'the sync stream was interrupted' });
  });
  for (const name of SYNC_EVENT_NAMES) {
    source.addEventListener(name, (event) => {
      if (closed) return;
      const e = event as unknown as { data: string; lastEventId: string };
      handlers.onEvent({ name, data: e.data, id: e.lastEventId || null });
    });
  }
  return {
    close: () => down({ message: 'closed' }),
    setSilenceMs: (ms) => {
      silenceMs = ms;
      alive();
    },
  };
}
