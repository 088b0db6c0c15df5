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
): { close(): void } {
  let closed = false;
  const down = (reason: { status?: number; message: string }) => {
    if (closed) return;
    closed = true;
    source.close();
    handlers.onDown(reason);
  };

  const source = new EventSource(url, {
    fetch: async (input, init) => {
      const response = await fetchImpl(input as string, { ...init, headers: { ...(init?.headers ?? {}), ...headers() } } as RequestInit);
      if (!response.body) return response;
      return new Response(response.body.pipeThrough(unknownEventTap(KNOWN, (name, data) => handlers.onEvent({ name, data, id: null }))), {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
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
  return { close: () => down({ message: 'closed' }) };
}
