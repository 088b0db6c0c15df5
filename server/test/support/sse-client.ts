/** A sync-stream reader over plain fetch, as a browser's EventSource reads it, that also counts bytes. */

export interface SseEvent {
  readonly event: string;
  readonly data: unknown;
  readonly id: string | null;
}

export interface SseStream {
  readonly status: number;
  /** Bytes of the body received so far. */
  readonly bytes: number;
  /** The comment lines read so far (heartbeats: `: heartbeat`), without their colon. */
  readonly comments: readonly string[];
  /** The next event; rejects when the stream ends first, or after `timeoutMs`. */
  next(timeoutMs?: number): Promise<SseEvent>;
  /** Reads until the server ends the stream; the events that came meanwhile. Rejects after `timeoutMs`. */
  ended(timeoutMs?: number): Promise<SseEvent[]>;
  close(): void;
}

export type SseRefusal = { readonly status: number; readonly error: { error: { code: string; message: string } } };

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Opens `GET /sse/connect?<query>`; a JSON refusal is returned as such. */
export async function tryOpenSse(
  baseUrl: string,
  query: string,
  headers: Record<string, string> = {},
): Promise<SseStream | SseRefusal> {
  const abort = new AbortController();
  const response = await fetch(`${baseUrl}/sse/connect?${query}`, { headers, signal: abort.signal });
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
    return { status: response.status, error: (await response.json()) as SseRefusal['error'] };
  }
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let bytes = 0;
  let done = false;
  const queue: SseEvent[] = [];
  const comments: string[] = [];

  const parse = () => {
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields = new Map<string, string>();
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) comments.push(line.slice(1).trimStart());
        if (line.startsWith(':') || !line.includes(':')) continue;
        const at = line.indexOf(':');
        fields.set(line.slice(0, at), line.slice(at + 1).trimStart());
      }
      if (fields.has('event'))
        queue.push({
          event: fields.get('event')!,
          data: JSON.parse(fields.get('data') ?? 'null'),
          id: fields.get('id') ?? null,
        });
    }
  };
  /** One read; false once the stream is over (ended by the server, reset, or aborted here). */
  const pump = async (): Promise<boolean> => {
    if (done) return false;
    try {
      const chunk = await reader.read();
      if (chunk.done) done = true;
      else {
        bytes += chunk.value.byteLength;
        buffer += decoder.decode(chunk.value, { stream: true });
        parse();
      }
    } catch {
      done = true;
    }
    return !done;
  };

  return {
    status: response.status,
    get bytes() {
      return bytes;
    },
    comments,
    next: (timeoutMs = 5_000) =>
      withTimeout(
        (async () => {
          while (queue.length === 0) if (!(await pump())) throw new Error('the stream ended');
          return queue.shift()!;
        })(),
        timeoutMs,
        'no event',
      ),
    ended: (timeoutMs = 5_000) =>
      withTimeout(
        (async () => {
          while (await pump());
          return queue.splice(0);
        })(),
        timeoutMs,
        'the stream did not end',
      ),
    close: () => abort.abort(),
  };
}

/** Opens a stream that must open. */
export async function openSse(
  baseUrl: string,
  query: string,
  headers: Record<string, string> = {},
): Promise<SseStream> {
  const result = await tryOpenSse(baseUrl, query, headers);
  if ('error' in result) throw new Error(`expected a stream, got ${result.status} ${JSON.stringify(result.error)}`);
  return result;
}
