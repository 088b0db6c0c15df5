import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createIpcDispatch, type IpcErrorCode, type IpcEventName } from '../../../common/contract';
import type { AppService } from '../app/app-service';
import { createHandlers } from '../app/handlers';
import { RENDERER_CSP } from '../app/csp';
import { rendererContentType, rendererFileFor } from '../app/renderer-files';

export interface HeadlessHostOptions {
  readonly app: AppService;
  /** The built renderer (desktop/dist/renderer) and the built bridge script (desktop/dist/headless/symc-bridge.js). */
  readonly rendererDir: string;
  readonly bridgeFile: string;
  readonly port?: number;
}

export interface HeadlessHost {
  /** Open this in a browser. It carries the per-run token: treat it like a password. */
  readonly url: string;
  readonly origin: string;
  readonly token: string;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;
const MAX_DRAINED = 16 * MAX_BODY;
const STATUS: Record<IpcErrorCode, number> = {
  unknown_channel: 404,
  invalid_request: 400,
  invalid_response: 500,
  wrong_state: 409,
  not_found: 404,
  failed: 500,
  unavailable: 503,
};
const BRIDGE_NAME = 'symc-bridge.js';

/**
 * The same renderer and the same app service as the Electron app, without Electron: the built renderer is
 * served on 127.0.0.1 together with a bridge script that implements window.symc over HTTP (one POST per
 * request, an EventSource for pushed events) — both generated from the IPC contract table.
 *
 * Everything lives under /<token>/, a random per-run secret: other local users and web pages cannot call
 * the service without it. The Host header must name this server (no DNS rebinding), a POST must come from
 * this origin, and pages are sent with Referrer-Policy: no-referrer so the token never leaks in a Referer.
 */
export async function startHeadlessHost(options: HeadlessHostOptions): Promise<HeadlessHost> {
  const token = randomBytes(24).toString('base64url');
  const tokenBytes = Buffer.from(token);
  const dispatch = createIpcDispatch(createHandlers(options.app), (channel, error) => {
    console.error(`[symc headless] ${channel}:`, error);
  });
  const streams = new Set<http.ServerResponse>();
  let origin = '';

  const sendJson = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    res.end(JSON.stringify(body));
  };
  const refuse = (res: http.ServerResponse, status: number, code: string, message: string) =>
    sendJson(res, status, { error: { code, message } });

  const tokenMatches = (candidate: string): boolean => {
    const bytes = Buffer.from(candidate);
    return bytes.length === tokenBytes.length && timingSafeEqual(bytes, tokenBytes);
  };

  const serveFile = (res: http.ServerResponse, file: string, transform?: (text: string) => string) => {
    const ext = path.extname(file);
    const body = transform ? transform(readFileSync(file, 'utf8')) : readFileSync(file);
    res.writeHead(200, {
      'content-type': rendererContentType(file),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      ...(ext === '.html' ? { 'content-security-policy': RENDERER_CSP, 'x-frame-options': 'DENY' } : {}),
    });
    res.end(body);
  };

  /**
   * The body, or null when it is over MAX_BODY. An oversized body is still read to its end (and dropped) so
   * the client, which is usually still writing, gets the 413 instead of a reset connection; past
   * MAX_DRAINED the connection is cut, so nobody can keep the host reading forever.
   */
  const readBody = (req: http.IncomingMessage): Promise<string | null> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY) chunks.push(chunk);
        else if (size > MAX_DRAINED) req.destroy();
      });
      req.on('end', () => resolve(size > MAX_BODY ? null : Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });

  const handleIpc = async (req: http.IncomingMessage, res: http.ServerResponse, channel: string) => {
    if (req.method !== 'POST') return refuse(res, 405, 'method_not_allowed', 'IPC requests are POST.');
    if (req.headers.origin !== undefined && req.headers.origin !== origin) {
      return refuse(res, 403, 'forbidden_origin', 'Requests are accepted from the app page only.');
    }
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
      return refuse(res, 415, 'unsupported_media_type', 'Send the request as application/json.');
    }
    const text = await readBody(req);
    if (text === null) return refuse(res, 413, 'payload_too_large', `Requests are limited to ${MAX_BODY} bytes.`);
    let payload: unknown;
    try {
      payload = text === '' ? {} : JSON.parse(text);
    } catch {
      return refuse(res, 400, 'malformed_json', 'The request body is not valid JSON.');
    }
    // Channel names are plain identifiers: matched as sent, never URL-decoded (a malformed escape such as
    // %E0 would throw), so anything else is simply an unknown channel.
    const result = await dispatch(channel, payload);
    if (result.ok) return sendJson(res, 200, result);
    return sendJson(res, STATUS[result.error.code as IpcErrorCode] ?? 500, { error: result.error });
  };

  const handleEvents = (req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(': symc events\n\n');
    streams.add(res);
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(heartbeat);
      streams.delete(res);
    });
  };

  const offEvents = options.app.onEvent((event: IpcEventName, payload: unknown) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const res of streams) res.write(frame);
  });

  const server = http.createServer((req, res) => {
    void (async () => {
      const host = req.headers.host ?? '';
      if (host !== new URL(origin).host && host !== `localhost:${new URL(origin).port}`) {
        return refuse(res, 421, 'wrong_host', 'This server answers to 127.0.0.1 only.');
      }
      const url = new URL(req.url ?? '/', origin);
      const [, first = '', ...rest] = url.pathname.split('/');
      if (!first)
        return refuse(
          res,
          404,
          'not_found',
          'Open the URL printed when the headless host started (it carries the access token).',
        );
      if (!tokenMatches(first))
        return refuse(res, 403, 'bad_token', 'Wrong or missing access token: open the URL printed at start.');
      const sub = rest.join('/');
      if (sub.startsWith('ipc/')) return handleIpc(req, res, sub.slice('ipc/'.length));
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return refuse(res, 405, 'method_not_allowed', 'Only GET here.');
      if (sub === 'events') return handleEvents(req, res);
      if (sub === BRIDGE_NAME) return serveFile(res, options.bridgeFile);
      if (sub === '' || sub === 'index.html') {
        // The bridge is a module script placed before the app's: module scripts run in document order,
        // so window.symc exists before the renderer's first line.
        return serveFile(res, path.join(options.rendererDir, 'index.html'), (html) =>
          html.replace(/<script\b/, `<script type="module" src="./${BRIDGE_NAME}"></script>\n    <script`),
        );
      }
      const file = rendererFileFor(options.rendererDir, sub);
      if (file === null || !existsSync(file) || !statSync(file).isFile()) {
        return refuse(res, 404, 'not_found', 'No such file.');
      }
      return serveFile(res, file);
    })().catch((error: unknown) => {
      if (!res.headersSent) refuse(res, 500, 'internal', (error as Error).message);
      else res.end();
    });
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/${token}/`,
    origin,
    token,
    async close() {
      offEvents();
      for (const res of streams) res.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
