import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type pino from 'pino';
import { initCrypto, randomBytes } from '../../common/crypto';
import { createApp } from './app';
import { AuthKeyHasher } from './modules/accounts/auth-key-hash';
import type { Config } from './config';
import { createDb, isPostgresUrl } from './db/client';
import { applyPendingMigrations } from './db/migrate';
import { type AttachmentCollector, startAttachmentCollector } from './modules/attachments/attachment-gc';
import { createBlobStore } from './modules/attachments/create-blob-store';
import { ChangeBus } from './modules/changes/change-bus';
import { connectRedisFanout, localOnly } from './modules/changes/fanout';
import { type LogRetention, startLogRetention } from './modules/changes/log-retention';
import { type DraftPersistence, startDraftPersistence } from './modules/drafts/draft-persistence';
import { PairingEvents } from './modules/pairing/pairing-events';
import { createLogger } from './observability/logger';
import { createMetrics } from './observability/metrics';
import type { ServerDeps } from './server-deps';
import { prepareFreshSync } from './modules/sync/fresh-sync';
import { FreshSyncPreparations } from './modules/sync/fresh-sync-preparations';
import { StreamRegistry } from './modules/sync/stream-registry';
import { type Clock, type InactivitySweep, startInactivitySweep } from './modules/devices/inactivity-sweep';

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly deps: ServerDeps;
  /** The draft cache's TTL sweep (folds idle drafts into their chat rows). */
  readonly drafts: DraftPersistence;
  /** The device inactivity sweep (docs/DEVICE-LIFECYCLE.md). */
  readonly inactivity: InactivitySweep;
  /** The change-log retention prune (CHANGE_LOG_RETENTION_DAYS; docs/DEVICE-LIFECYCLE.md). */
  readonly logRetention: LogRetention;
  /** Collects abandoned uploads and blobs of deleted messages (every ATTACHMENT_GC_SECONDS). */
  readonly attachmentCollector: AttachmentCollector;
  close(): Promise<void>;
}

/**
 * Starts the server: migrations first (a server never runs against an older schema), then HTTP.
 * `close()` stops accepting, waits for in-flight requests and disconnects the database.
 */
export async function startServer(
  config: Config,
  logDestination?: pino.DestinationStream,
  /** `clock`: what the inactivity sweep and the change-log prune read as now (tests pass a fake one). */
  options: { readonly clock?: Clock } = {},
): Promise<RunningServer> {
  await initCrypto();
  const logger = createLogger(config.logLevel, logDestination);
  const applied = await applyPendingMigrations(config.databaseUrl);
  if (applied.length > 0) logger.info({ migrations: applied }, 'applied database migrations');

  // Several instances share streams' wake-ups and pairing approvals through Redis; one instance needs nothing.
  const fanout = config.redisUrl ? await connectRedisFanout(config.redisUrl, logger) : localOnly;
  const db = createDb(config.databaseUrl);
  const metrics = createMetrics();
  const changes = new ChangeBus(fanout, logger);
  const pairingEvents = new PairingEvents(fanout);
  const freshSyncPreparations = new FreshSyncPreparations((userId, deviceId, maxChats) =>
    prepareFreshSync({ db, config }, userId, deviceId, maxChats),
  );
  // A confirmed pairing starts the new desktop's first sync ahead of its stream — after the confirm's
  // answer is on its way (setImmediate): the queries run on the server's one SQLite thread and must not delay it.
  pairingEvents.onDesktopLinked(({ userId, deviceId }) => {
    setImmediate(() => freshSyncPreparations.prepare(userId, deviceId, config.syncMaxChats));
  });
  const deps: ServerDeps = {
    config,
    db,
    logger,
    metrics,
    changes,
    pairingEvents,
    fanout,
    freshSyncPreparations,
    streams: new StreamRegistry(
      { perDevice: config.sseMaxStreamsPerDevice, perAccount: config.sseMaxStreamsPerAccount },
      { heartbeatMs: config.sseHeartbeatMs, stallMs: config.sseStallMs, maxBufferedBytes: config.sseMaxBufferedBytes },
      metrics,
      logger,
      fanout,
      changes,
    ),
    authKeys: new AuthKeyHasher(config.authKeyHashProfile, config.authHashThreads),
    preloginSecret: randomBytes(32),
    blobs: createBlobStore(config, db),
  };
  const drafts = startDraftPersistence(db, logger, config.draftPersistenceTtlSeconds);
  const inactivity = startInactivitySweep(deps, options.clock);
  const logRetention = startLogRetention(
    db,
    logger,
    { retentionDays: config.changeLogRetentionDays, intervalMs: config.changeLogPruneMs },
    options.clock,
  );
  const attachmentCollector = startAttachmentCollector(db, deps.blobs, logger, {
    uploadTtlMs: config.attachmentUploadTtlMs,
    intervalMs: config.attachmentGcMs,
  });
  const app = createApp(deps);
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  // An idle keep-alive connection must be closed by the client, never by us: if both time out near the
  // same moment, a client may send its next request on a socket we are closing and see "fetch failed"
  // without the request ever arriving. Clients (undici: 4 s) close well before 65 s; proxies in front are
  // usually set to 60 s for the same reason.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const phoneApp = `${url}/phone/`;
  logger.info(
    { url, phoneApp, database: isPostgresUrl(config.databaseUrl) ? 'postgresql' : 'sqlite' },
    `symc server listening on ${url} (phone app: ${phoneApp})`,
  );

  return {
    url,
    port,
    deps,
    drafts,
    inactivity,
    logRetention,
    attachmentCollector,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Streams never end by themselves: end them, and the desktops reconnect to another instance or later.
        for (const stream of deps.streams) stream.end();
        server.closeIdleConnections();
      });
      // No request is in flight any more: every hot draft goes to its chat row before the database closes.
      await drafts.stop();
      await inactivity.stop();
      await logRetention.stop();
      await attachmentCollector.stop();
      await deps.authKeys.close();
      await db.$disconnect();
      await fanout.close();
      logger.info('symc server stopped');
    },
  };
}
