import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';

/**
 * A benchmark participant in its own Node process (so its peak RSS is its own and it has its own event
 * loop, as the real server and desktop do), talking to the orchestrator over IPC. Messages are plain JSON
 * objects with a `type`.
 */
export interface Message {
  readonly type: string;
  readonly [key: string]: unknown;
}

export class Child {
  private readonly waiting: Array<{ type: string; resolve: (m: Message) => void; reject: (e: Error) => void }> = [];
  private exited: Error | null = null;
  readonly process: ChildProcess;
  onMessage: ((message: Message) => void) | null = null;

  constructor(
    script: string,
    options: { env?: Record<string, string>; profileDir?: string; nodeFlags?: readonly string[] } = {},
  ) {
    const execArgv = ['--import', 'tsx', ...(options.nodeFlags ?? [])];
    // --cpu-prof writes a .cpuprofile on exit (open it in Chrome DevTools → Performance).
    if (options.profileDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.profileDir}`);
    this.process = fork(path.join(__dirname, script), [], {
      execArgv,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.process.on('message', (raw) => {
      const message = raw as Message;
      if (message.type === 'error') {
        this.fail(new Error(`${script}: ${String(message.message)}`));
        return;
      }
      const index = this.waiting.findIndex((w) => w.type === message.type);
      if (index >= 0) this.waiting.splice(index, 1)[0]!.resolve(message);
      else this.onMessage?.(message);
    });
    this.process.on('exit', (code, signal) => this.fail(new Error(`${script} exited (${code ?? signal})`)));
  }

  send(message: Message): void {
    this.process.send(message);
  }

  /** The next message of `type` from the child (rejects if it dies or reports an error first). */
  next<T = Message>(type: string, timeoutMs = 600_000): Promise<T> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no "${type}" from the child within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiting.push({
        type,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  async request<T = Message>(message: Message, replyType: string, timeoutMs?: number): Promise<T> {
    const reply = this.next<T>(replyType, timeoutMs);
    this.send(message);
    return reply;
  }

  /** Asks the child to stop and waits for it to exit. */
  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    this.send({ type: 'stop' });
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  private fail(error: Error): void {
    if (!this.exited) this.exited = error;
    for (const w of this.waiting.splice(0)) w.reject(error);
  }
}

/** Child side: handles requests from the orchestrator; an exception is reported, then the child exits. */
export function serveParent(handler: (message: Message, reply: (m: Message) => void) => Promise<void> | void): void {
  const reply = (m: Message) => process.send?.(m);
  process.on('message', (raw) => {
    const message = raw as Message;
    Promise.resolve()
      .then(() => handler(message, reply))
      .catch((error: unknown) => {
        reply({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
        setTimeout(() => process.exit(1), 100);
      });
  });
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** CPU time this process has used so far (user + system), in ms: robust to a busy machine, unlike wall time. */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Peak resident set size of this process so far, in MB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}
