import net from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 between the desktop and the server, to make the network fail on purpose:
 * cut every open connection now, after the next N bytes from the server, or refuse all traffic (offline).
 */
export class CuttingProxy {
  private readonly sockets = new Set<net.Socket>();
  private server!: net.Server;
  private offline = false;
  private cutAfter: number | null = null;
  port = 0;
  cuts = 0;
  /** Bytes forwarded from clients to the server (what an upload really cost, retries included). */
  bytesUp = 0;
  /**
   * Looks at every chunk coming from the server before it is forwarded: return a byte count to forward
   * only that much of the chunk and then cut every connection, or null to let it through.
   */
  inspect: ((chunk: Buffer) => number | null) | null = null;

  constructor(private targetPort: number) {}

  async start(): Promise<this> {
    this.server = net.createServer((client) => {
      if (this.offline) {
        client.destroy();
        return;
      }
      const upstream = net.connect(this.targetPort, '127.0.0.1');
      this.sockets.add(client).add(upstream);
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('data', (chunk: Buffer) => {
        const answer = this.fault && this.answerFor(chunk);
        if (answer) {
          // Answered here, never forwarded: the server does not see the request (as behind a proxy mid-deploy).
          this.faultsAnswered++;
          client.end(answer);
          upstream.destroy();
          return;
        }
        this.bytesUp += chunk.length;
        upstream.write(chunk);
        if (this.upTrigger !== null && this.bytesUp >= this.upTrigger.bytes) {
          const { action } = this.upTrigger;
          this.upTrigger = null;
          action();
        }
      });
      upstream.on('data', (chunk: Buffer) => {
        const cutAt = this.inspect?.(chunk) ?? null;
        if (cutAt !== null) {
          client.write(chunk.subarray(0, cutAt));
          this.cuts++;
          this.cutAll();
          return;
        }
        if (this.cutAfter !== null) {
          if (chunk.length >= this.cutAfter) {
            client.write(chunk.subarray(0, this.cutAfter));
            this.cutAfter = null;
            this.cuts++;
            this.cutAll();
            return;
          }
          this.cutAfter -= chunk.length;
        }
        client.write(chunk);
      });
      client.on('close', close).on('error', close);
      upstream.on('close', close).on('error', close);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  /**
   * From now on, every new request whose request line matches `fault.requests` (all by default) is answered
   * by the proxy with `status` and `body` and its connection closed — e.g. 503 while the server is
   * "deployed", or a made-up 4xx. Requests on connections already streaming (SSE) are untouched. null: pass.
   */
  answerRequests(fault: { status: number; body?: unknown; requests?: RegExp } | null): void {
    this.fault = fault;
  }
  private fault: { status: number; body?: unknown; requests?: RegExp } | null = null;

  /**
   * Runs `action` (e.g. `setOffline(true)`, or `answerRequests` + `cutAll`) once the clients have sent `bytes` in
   * all, counted from the proxy's start: at that chunk, whatever the machine's speed — a test polling `bytesUp`
   * can be too late on a fast machine, and the upload it meant to cut has finished.
   */
  onceBytesUp(bytes: number, action: () => void): void {
    this.upTrigger = { bytes, action };
  }
  private upTrigger: { bytes: number; action: () => void } | null = null;
  faultsAnswered = 0;

  private answerFor(chunk: Buffer): string | null {
    const line = /^([A-Z]+) (\S+) HTTP\/1\.[01]\r\n/.exec(chunk.toString('latin1', 0, Math.min(chunk.length, 2048)));
    if (!line || !this.fault) return null;
    if (this.fault.requests && !this.fault.requests.test(`${line[1]} ${line[2]}`)) return null;
    const body = JSON.stringify(
      this.fault.body ?? { error: { code: 'internal', message: 'the server is restarting' } },
    );
    return (
      `HTTP/1.1 ${this.fault.status} Fault\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `connection: close\r\n\r\n${body}`
    );
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Points the proxy at a restarted server. */
  retarget(port: number): void {
    this.targetPort = port;
  }

  cutAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  /** Cuts everything once `bytes` more bytes came from the server (mid-event, mid-batch, anywhere). */
  cutAfterBytes(bytes: number): void {
    this.cutAfter = bytes;
  }

  setOffline(offline: boolean): void {
    this.offline = offline;
    if (offline) this.cutAll();
  }

  async stop(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
