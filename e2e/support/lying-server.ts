import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RouteSpec } from '../../common/contract';

/**
 * A malicious server for tests: an HTTP proxy on 127.0.0.1 in front of the real server that can rewrite
 * any JSON answer and any SSE event before the client sees it, and records every request body. Clients
 * pointed at `url` talk to "the server" as a compromised deployment would present it: real data, real
 * protocol, with whatever lies a test installs. Tests then assert that the client notices.
 *
 * Rewrites match a route of the contract (`api.lookupUser`) or a method + exact path / RegExp. A JSON
 * rewrite returns the body to send instead (or undefined to send the original); an SSE rewrite returns
 * the event to send, null to drop it, or several events.
 */
export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

export interface ExchangeContext {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly status: number;
  /** The client's JSON request body, parsed (undefined when none or not JSON). */
  readonly requestBody: unknown;
  /** The path parameters when the rewrite matched a contract route (`:chatId` → `params.chatId`). */
  readonly params: Readonly<Record<string, string>>;
}

export type JsonRewrite = (body: unknown, context: ExchangeContext) => unknown;
export type SseRewrite = (event: SseEvent, context: { readonly path: string }) => SseEvent | SseEvent[] | null;

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  readonly status: number;
  readonly responseBody: unknown;
}

type Matcher = RouteSpec | { readonly method?: string; readonly path: string | RegExp };

interface CompiledMatcher {
  readonly method: string | undefined;
  readonly pattern: RegExp;
  readonly names: readonly string[];
}

function compile(matcher: Matcher): CompiledMatcher {
  if (matcher.path instanceof RegExp) return { method: matcher.method, pattern: matcher.path, names: [] };
  const names: string[] = [];
  const source = matcher.path
    .split('/')
    .map((part) => {
      if (!part.startsWith(':')) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(part.slice(1));
      return '([^/]+)';
    })
    .join('/');
  return { method: matcher.method, pattern: new RegExp(`^${source}$`), names };
}

function matchParams(compiled: CompiledMatcher, method: string, path: string): Record<string, string> | null {
  if (compiled.method !== undefined && compiled.method !== method) return null;
  const found = compiled.pattern.exec(path);
  if (!found) return null;
  const params: Record<string, string> = {};
  compiled.names.forEach((name, i) => (params[name] = decodeURIComponent(found[i + 1] ?? '')));
  return params;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function serializeEvent(event: SseEvent): string {
  const data = event.data
    .split('\n')
    .map((line) => `data: ${line}`)
    .join('\n');
  return `${event.id !== undefined ? `id: ${event.id}\n` : ''}event: ${event.event}\n${data}\n\n`;
}

/** Parses one SSE block; comment-only blocks (heartbeats) come back as null and pass through as they are. */
function parseEvent(block: string): SseEvent | null {
  let id: string | undefined;
  let event = 'message';
  const data: string[] = [];
  let any = false;
  for (const line of block.split('\n')) {
    if (line.startsWith(':') || line === '') continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    any = true;
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (!any) return null;
  return { ...(id !== undefined ? { id } : {}), event, data: data.join('\n') };
}

export class LyingServer {
  private server: http.Server | null = null;
  private readonly jsonRewrites: { matcher: CompiledMatcher; rewrite: JsonRewrite }[] = [];
  private readonly sseRewrites: SseRewrite[] = [];
  private readonly sockets = new Set<import('node:net').Socket>();
  /** Every exchange that went through, oldest first (SSE streams are recorded when they open). */
  readonly requests: RecordedRequest[] = [];
  port = 0;

  constructor(private target: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Rewrites the JSON answers of one route until the returned function is called. */
  rewriteJson(matcher: Matcher, rewrite: JsonRewrite): () => void {
    const entry = { matcher: compile(matcher), rewrite };
    this.jsonRewrites.push(entry);
    return () => {
      const at = this.jsonRewrites.indexOf(entry);
      if (at !== -1) this.jsonRewrites.splice(at, 1);
    };
  }

  /** Rewrites every SSE event (of every stream opened after this call, and of open ones) until undone. */
  rewriteSse(rewrite: SseRewrite): () => void {
    this.sseRewrites.push(rewrite);
    return () => {
      const at = this.sseRewrites.indexOf(rewrite);
      if (at !== -1) this.sseRewrites.splice(at, 1);
    };
  }

  /** The recorded requests of one route (for "what did the client send the server?"). */
  requestsTo(matcher: Matcher): RecordedRequest[] {
    const compiled = compile(matcher);
    return this.requests.filter((r) => matchParams(compiled, r.method, r.path) !== null);
  }

  /** Points the proxy at a restarted server. */
  retarget(target: string): void {
    this.target = target;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.forward(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  private async forward(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    // Bytes are forwarded as they came (a tus PATCH carries a binary blob: decoded as UTF-8 and encoded again,
    // every invalid sequence would grow to U+FFFD's three bytes); the text is only for parsing JSON.
    const requestBytes = Buffer.concat(chunks);
    const requestText = requestBytes.toString('utf8');
    const url = new URL(req.url ?? '/', 'http://proxy');
    const method = req.method ?? 'GET';
    const headers = { ...req.headers };
    delete headers.host;
    delete headers['content-length'];
    delete headers['accept-encoding'];

    const upstream = http.request(`${this.target}${req.url ?? '/'}`, { method, headers }, (answer) => {
      const status = answer.statusCode ?? 502;
      const type = String(answer.headers['content-type'] ?? '');
      if (type.startsWith('text/event-stream')) {
        this.requests.push({
          method,
          path: url.pathname,
          body: parseJson(requestText),
          status,
          responseBody: undefined,
        });
        this.pipeSse(url.pathname, answer, res);
        return;
      }
      const parts: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => parts.push(chunk));
      answer.on('end', () => {
        const answerBytes = Buffer.concat(parts);
        let bodyText = answerBytes.toString('utf8');
        let body = type.includes('application/json') ? parseJson(bodyText) : undefined;
        // Anything but JSON (a blob download) goes back byte for byte.
        let out: Buffer = answerBytes;
        if (body !== undefined) {
          for (const { matcher, rewrite } of this.jsonRewrites) {
            const params = matchParams(matcher, method, url.pathname);
            if (!params) continue;
            const replaced = rewrite(body, {
              method,
              path: url.pathname,
              query: url.searchParams,
              status,
              requestBody: parseJson(requestText),
              params,
            });
            if (replaced !== undefined) body = replaced;
          }
          bodyText = JSON.stringify(body);
          out = Buffer.from(bodyText);
        }
        this.requests.push({ method, path: url.pathname, body: parseJson(requestText), status, responseBody: body });
        const outHeaders = { ...answer.headers };
        delete outHeaders['content-length'];
        delete outHeaders['transfer-encoding'];
        res.writeHead(status, { ...outHeaders, 'content-length': out.length });
        res.end(out);
      });
      answer.on('error', () => res.destroy());
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ error: { code: 'bad_gateway', message: 'the lying server could not reach the real one' } }),
      );
    });
    req.on('close', () => {
      if (res.writableEnded === false && res.headersSent) upstream.destroy();
    });
    res.on('close', () => upstream.destroy());
    upstream.end(requestBytes);
  }

  /** Re-frames the stream event by event so rewrites see whole events; heartbeats pass through. */
  private pipeSse(path: string, answer: http.IncomingMessage, res: http.ServerResponse): void {
    const outHeaders = { ...answer.headers };
    delete outHeaders['content-length'];
    res.writeHead(answer.statusCode ?? 200, outHeaders);
    res.flushHeaders();
    let pending = '';
    answer.setEncoding('utf8');
    answer.on('data', (text: string) => {
      pending += text.replace(/\r\n/g, '\n');
      let end: number;
      while ((end = pending.indexOf('\n\n')) !== -1) {
        const block = pending.slice(0, end);
        pending = pending.slice(end + 2);
        const event = parseEvent(block);
        if (!event) {
          res.write(`${block}\n\n`);
          continue;
        }
        let out: SseEvent[] = [event];
        for (const rewrite of this.sseRewrites) {
          out = out.flatMap((e) => {
            const replaced = rewrite(e, { path });
            return replaced === null ? [] : Array.isArray(replaced) ? replaced : [replaced];
          });
        }
        for (const e of out) res.write(serializeEvent(e));
      }
    });
    answer.on('end', () => res.end());
    answer.on('error', () => res.destroy());
  }
}
