import fs from 'node:fs';
import path from 'node:path';
import { Piscina } from 'piscina';
import { kdfLimits, type KdfProfile } from '../../../../common/crypto';
import { errors } from '../../errors';

/** Sign-ins waiting for a hashing thread beyond this are refused (429) instead of queueing without bound. */
const MAX_QUEUED = 64;

/** A thread idle this long exits: libsodium's WebAssembly memory grown by Argon2id is never given back. */
const IDLE_THREAD_MS = 30_000;

/** Finds auth-key-worker.mjs next to this file (or under the repo root when this file was compiled elsewhere). */
function workerPath(): string {
  const candidates = [path.join(__dirname, 'auth-key-worker.mjs')];
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) {
      candidates.push(path.join(dir, 'server', 'src', 'modules', 'accounts', 'auth-key-worker.mjs'));
      break;
    }
  }
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`Cannot find the auth-key hashing worker (looked in ${candidates.join(', ')})`);
  return found;
}

/**
 * The server never sees the password: it receives the client's Argon2id-derived authKey, and stores
 * Argon2id(authKey) again (crypto_pwhash_str), so a leaked database can't be replayed as a login.
 *
 * Every hash and verification runs on a small pool of worker threads (AUTH_HASH_THREADS): a sign-in
 * never blocks the event loop, so health checks, streams and every other request go on meanwhile.
 * `close()` ends the threads (the server's close calls it).
 */
export class AuthKeyHasher {
  private readonly pool: Piscina;
  private readonly limits: { opsLimit: number; memLimit: number };
  private dummyHash: Promise<string> | undefined;

  constructor(profile: KdfProfile, threads: number) {
    this.limits = kdfLimits(profile);
    this.pool = new Piscina({
      filename: workerPath(),
      minThreads: 0,
      maxThreads: threads,
      idleTimeout: IDLE_THREAD_MS,
    });
  }

  hash(authKey: string): Promise<string> {
    return this.run({ op: 'hash', authKey, ...this.limits }) as Promise<string>;
  }

  verify(hash: string, authKey: string): Promise<boolean> {
    return this.run({ op: 'verify', authKey, hash }) as Promise<boolean>;
  }

  /** Spend the same time on an unknown username as on a wrong key, so timing doesn't reveal accounts. */
  async burnVerify(authKey: string): Promise<void> {
    this.dummyHash ??= this.hash('symc-dummy-auth-key');
    await this.verify(await this.dummyHash, authKey);
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }

  /** The queue bound is checked here, not by piscina's `maxQueue` (whose refusal would surface as a 500). */
  private async run(task: object): Promise<unknown> {
    if (this.pool.queueSize >= MAX_QUEUED) {
      throw errors.rateLimited('the server is busy checking other sign-ins; try again in a few seconds');
    }
    return this.pool.run(task);
  }
}
