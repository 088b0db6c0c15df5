import type { Config } from './config';
import type { Db } from './db/client';
import type { AuthKeyHasher } from './modules/accounts/auth-key-hash';
import type { BlobStore } from './modules/attachments/blob-store';
import type { ChangeBus } from './modules/changes/change-bus';
import type { Fanout } from './modules/changes/fanout';
import type { PairingEvents } from './modules/pairing/pairing-events';
import type { FreshSyncPreparations } from './modules/sync/fresh-sync-preparations';
import type { StreamRegistry } from './modules/sync/stream-registry';
import type { Logger } from './observability/logger';
import type { Metrics } from './observability/metrics';

/** Everything a route module may use; built once in createServer and passed down explicitly. */
export interface ServerDeps {
  readonly config: Config;
  readonly db: Db;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly changes: ChangeBus;
  readonly pairingEvents: PairingEvents;
  /** Cross-instance signals (Redis pub/sub when REDIS_URL is set; a no-op with one instance). */
  readonly fanout: Fanout;
  /** Fresh syncs prepared at pairing, for the new desktop's first stream (this instance only). */
  readonly freshSyncPreparations: FreshSyncPreparations;
  /** Open sync streams: capped, ended when their device or session ends, and on shutdown. */
  readonly streams: StreamRegistry;
  /** Argon2id of auth keys, on worker threads (never on the event loop). */
  readonly authKeys: AuthKeyHasher;
  /** Keys the fake KDF salts of unknown usernames (prelogin); random per process. */
  readonly preloginSecret: Uint8Array;
  /** Attachment blobs (opaque ciphertext): a directory under DATA_DIR, or chunks in the database. */
  readonly blobs: BlobStore;
}
