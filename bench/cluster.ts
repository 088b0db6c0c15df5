import { Child } from './child';
import type { MemoryPeaks } from './memory-sampler';

/** Redis for `--instances` > 1 (the local one), or REDIS_URL. */
export const BENCH_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The server under test: one process, or several instances on one PostgreSQL database that fan out
 * through Redis (`--instances`). Instance 0 is the phone's (sign-ups, approvals, the fan-out's sender);
 * the desktops link and sync on the last instance, and the fan-out's listeners connect to the others,
 * so every live event the figures count crosses from one instance to another. Every instance announces
 * instance 0 in its pairing links (PUBLIC_URL), as instances behind one balancer announce its origin.
 */
export class Cluster {
  private constructor(
    private readonly servers: readonly Child[],
    readonly urls: readonly string[],
  ) {}

  static async start(
    instances: number,
    env: Record<string, string>,
    childOptions: { profileDir?: string; nodeFlags?: readonly string[] },
  ): Promise<Cluster> {
    const servers: Child[] = [];
    const urls: string[] = [];
    try {
      for (let i = 0; i < instances; i++) {
        const server = new Child('server-process.ts', childOptions);
        servers.push(server);
        const { url } = await server.request<{ type: string; url: string }>(
          {
            type: 'start',
            env: {
              ...env,
              ...(instances > 1 ? { REDIS_URL: BENCH_REDIS_URL } : {}),
              ...(i > 0 ? { PUBLIC_URL: urls[0]! } : {}),
            },
          },
          'started',
        );
        urls.push(url);
      }
    } catch (error) {
      await Promise.all(servers.map((s) => s.stop()));
      throw error;
    }
    return new Cluster(servers, urls);
  }

  get instances(): number {
    return this.servers.length;
  }

  /** Where the phone signs up, approves and sends. */
  get phoneUrl(): string {
    return this.urls[0]!;
  }

  /** Where desktops link and sync. */
  get desktopUrl(): string {
    return this.urls.at(-1)!;
  }

  /** Where the fan-out's listening desktops connect: every instance but the sender's (or the one). */
  get listenerUrls(): string[] {
    return this.urls.length > 1 ? this.urls.slice(1) : [...this.urls];
  }

  /** Starts a measuring window on every instance; returns their CPU time so far, summed. */
  async window(): Promise<number> {
    const replies = await Promise.all(
      this.servers.map((s) => s.request<{ type: string; cpuMs: number }>({ type: 'window' }, 'window')),
    );
    return replies.reduce((n, r) => n + r.cpuMs, 0);
  }

  /** Since the window: CPU time summed over the instances, and the peaks of the instance with the highest RSS. */
  async peaks(): Promise<{ cpuMs: number; memory: MemoryPeaks }> {
    const replies = await Promise.all(
      this.servers.map((s) => s.request<{ type: string; cpuMs: number; memory: MemoryPeaks }>({ type: 'rss' }, 'rss')),
    );
    const highest = replies.reduce((a, b) => (b.memory.rssMb > a.memory.rssMb ? b : a));
    return { cpuMs: replies.reduce((n, r) => n + r.cpuMs, 0), memory: highest.memory };
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.stop()));
  }
}
