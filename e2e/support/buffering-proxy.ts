import http from 'node:http';

/**
 * An HTTP proxy on 127.0.0.1 that buffers event streams the way a misconfigured reverse proxy does
 * (nginx with `proxy_buffering on`): a `text/event-stream` response reaches the client only in pieces of
 * `bufferBytes`, or whole when the server ends it. Every other response passes as it comes. `buffering`
 * can be turned off to model the proxy being fixed (streams opened after that pass at once).
 */
export class BufferingProxy {
  private server!: http.Server;
  private readonly agent = new http.Agent({ keepAlive: true });
  buffering = true;
  port = 0;
  /** Event streams asked for through this proxy, and how many of them it held back. */
  streams = 0;
  heldBack = 0;

  constructor(
    private readonly targetPort: number,
    private readonly bufferBytes = 256 * 1024,
  ) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const upstream = http.request(
        {
          host: '127.0.0.1',
          port: this.targetPort,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent: this.agent,
        },
        (answer) => {
          const isStream = (answer.headers['content-type'] ?? '').startsWith('text/event-stream');
          if (!isStream || !this.buffering) {
            if (isStream) this.streams++;
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
            return;
          }
          this.streams++;
          this.heldBack++;
          // Headers and body both wait for the buffer (nginx sends neither before its first flush).
          let pending: Buffer[] = [];
          let size = 0;
          let headSent = false;
          const flush = () => {
            if (!headSent) {
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              headSent = true;
            }
            for (const chunk of pending) res.write(chunk);
            pending = [];
            size = 0;
          };
          answer.on('data', (chunk: Buffer) => {
            pending.push(chunk);
            size += chunk.length;
            if (size >= this.bufferBytes) flush();
          });
          answer.on('end', () => {
            flush();
            res.end();
          });
          answer.on('error', () => res.destroy());
        },
      );
      upstream.on('error', () => res.destroy());
      res.on('close', () => upstream.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    this.agent.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
