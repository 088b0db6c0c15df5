import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_MAX_ATTACHMENT_BYTES, DEFAULT_MAX_DRAFT_CHARS, MAX_DRAFT_CHARS_LIMIT } from '../../common/contract';

/**
 * All server configuration comes from the environment, parsed once at start-up. A bad value stops the
 * server with a sentence naming the variable, instead of surfacing later as a strange failure.
 */
const EnvSchema = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  /** Where the embedded SQLite database lives when DATABASE_URL is unset. */
  DATA_DIR: z.string().default(path.join(process.cwd(), '.data', 'server')),
  /** `file:/abs/path.db` (SQLite) or `postgresql://…` (PostgreSQL). Default: SQLite in DATA_DIR. */
  DATABASE_URL: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(10)
    .default(15 * 60),
  REFRESH_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .default(30 * 24 * 3600),
  /** Requests per minute per client IP on each /auth endpoint. */
  AUTH_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(20),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  MAX_LINKED_DEVICES: z.coerce.number().int().min(1).default(5),
  /**
   * Cost of the server-side Argon2id hash of each account's auth key. `minimal` is for tests and
   * benchmarks only — never for a deployment.
   */
  AUTH_KEY_HASH_PROFILE: z.enum(['interactive', 'moderate', 'minimal']).default('interactive'),
  /** How long a pairing QR stays valid (the desktop rotates it before then). */
  PAIRING_TTL_SECONDS: z.coerce.number().int().min(5).max(600).default(60),
  /** Longest the desktop's wait for approval is held open (long-poll), in seconds. */
  PAIRING_WAIT_SECONDS: z.coerce.number().int().min(1).max(25).default(25),
  /** Public origin put in pairing links (e.g. https://chat.example.com). Default: the request's origin. */
  PUBLIC_URL: z.url().optional(),
  /** Chats a fresh device gets (phase 3 ends there). */
  SYNC_MAX_CHATS: z.coerce.number().int().min(1).max(10_000).default(100),
  /**
   * Largest history batch (`message:sync`), by messages and by ciphertext bytes. The desktop stores a batch
   * in one transaction, and each commit writes every index page the batch touched (message ids are random):
   * 2,000 messages (~1 MB) a batch took a tenth off a 100,000-message sync against 500 (docs/BENCHMARKS.md).
   */
  SYNC_BATCH_MESSAGES: z.coerce.number().int().min(1).max(10_000).default(2_000),
  SYNC_BATCH_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  SSE_HEARTBEAT_SECONDS: z.coerce.number().min(0.05).max(300).default(20),
  /**
   * Open streams one device may hold; a new one beyond it replaces the device's oldest (a desktop that
   * reconnects after a cut briefly overlaps its old stream; the phone web app opens one per tab).
   */
  SSE_MAX_STREAMS_PER_DEVICE: z.coerce.number().int().min(1).max(100).default(4),
  /** Open streams one account may hold across its devices (per instance); beyond it, 429 `rate_limited`. */
  SSE_MAX_STREAMS_PER_ACCOUNT: z.coerce.number().int().min(1).max(1000).default(20),
  /** A stream whose reader has not taken a written byte for this long is cut (a stalled or dead reader). */
  SSE_STALL_SECONDS: z.coerce.number().min(0.1).max(3600).default(60),
  /** Bytes one stream may hold in the server's memory waiting for its reader; beyond it the stream is cut. */
  SSE_MAX_BUFFERED_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .default(8 * 1024 * 1024),
  /** Worker threads that run the Argon2id hashing of sign-ins (off the event loop). */
  AUTH_HASH_THREADS: z.coerce.number().int().min(1).max(16).default(2),
  /** When set, `GET /metrics` requires `Authorization: Bearer <METRICS_TOKEN>` (for a port reachable by others). */
  METRICS_TOKEN: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
  /** Trust X-Forwarded-For from this many proxies (rate limits per real client IP). */
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).default(0),
  /** `redis://host:port` — set it when several server instances share one PostgreSQL database (docs/SYNC.md). */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, { message: 'must start with redis:// or rediss://' })
    .optional(),
  /** Longest draft, in characters; the server enforces it on the envelope (docs/DRAFTS.md). */
  MAX_DRAFT_CHARS: z.coerce.number().int().min(1).max(MAX_DRAFT_CHARS_LIMIT).default(DEFAULT_MAX_DRAFT_CHARS),
  /** A draft idle this long is folded from the hot Draft table into its chat row (also on shutdown). */
  DRAFT_PERSISTENCE_TTL_SECONDS: z.coerce.number().int().min(1).default(7200),
  /** A device not seen for this many days is unlinked by the server, freeing its slot (0: never; docs/DEVICE-LIFECYCLE.md). */
  DEVICE_INACTIVITY_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
  /** How often the inactivity sweep runs (it also runs at startup). */
  DEVICE_INACTIVITY_SWEEP_SECONDS: z.coerce.number().int().min(1).default(3600),
  /**
   * How long the per-user change log keeps an entry (0: forever). A device whose position is older than the
   * log resumes with a fresh plan (docs/DEVICE-LIFECYCLE.md "Change-log retention"). Longer than
   * DEVICE_INACTIVITY_DAYS, so a device still linked normally resumes from its own position.
   */
  CHANGE_LOG_RETENTION_DAYS: z.coerce.number().int().min(0).max(36500).default(90),
  /** How often the change-log prune runs (it also runs at startup). */
  CHANGE_LOG_PRUNE_SECONDS: z.coerce.number().min(0.05).default(3600),
  /** Fewest milliseconds between two stored applied-position acknowledgements of one device (more: 429). */
  SYNC_ACK_MIN_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(1000),
  /** Largest attachment blob (ciphertext bytes); a larger upload is refused with 413 (docs/ATTACHMENTS.md). */
  MAX_ATTACHMENT_BYTES: z.coerce.number().int().min(1024).default(DEFAULT_MAX_ATTACHMENT_BYTES),
  /** Blob bytes one account may hold (finished, in progress and sent alike); beyond it, 413 `quota_exceeded`. */
  ATTACHMENT_QUOTA_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(5 * 1024 * 1024 * 1024),
  /**
   * Where blobs live: `directory` (DATA_DIR/attachments, one instance), `database` (chunks in the database:
   * shared) or `s3` (an S3-compatible bucket: shared; ATTACHMENT_S3_* below, docs/ATTACHMENTS.md).
   */
  ATTACHMENT_STORE: z.enum(['directory', 'database', 's3']).default('directory'),
  /** The bucket of ATTACHMENT_STORE=s3 (required then); it should hold nothing but Symc's blobs. */
  ATTACHMENT_S3_BUCKET: z.string().min(3).max(63).optional(),
  /** Its region; default AWS_REGION, else `us-east-1` when ATTACHMENT_S3_ENDPOINT is set (MinIO ignores it). */
  ATTACHMENT_S3_REGION: z.string().min(1).optional(),
  /** An S3-compatible endpoint (MinIO: `http://127.0.0.1:9000`); unset: AWS S3 itself. */
  ATTACHMENT_S3_ENDPOINT: z.url().optional(),
  /** `true` for `endpoint/bucket/key` addressing (MinIO and most S3-compatible stores). */
  ATTACHMENT_S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).default('false'),
  /** An upload unfinished, or finished but sent in no message, for this long is collected. */
  ATTACHMENT_UPLOAD_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(24 * 3600),
  /** How often the attachment collector runs (abandoned uploads, blobs of deleted messages). */
  ATTACHMENT_GC_SECONDS: z.coerce.number().min(0.05).default(600),
});

export type Config = Readonly<{
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  authRateLimitPerMinute: number;
  maxBodyBytes: number;
  maxLinkedDevices: number;
  authKeyHashProfile: z.infer<typeof EnvSchema>['AUTH_KEY_HASH_PROFILE'];
  trustProxyHops: number;
  pairingTtlSeconds: number;
  pairingWaitSeconds: number;
  publicUrl: string | undefined;
  syncMaxChats: number;
  syncBatchMessages: number;
  syncBatchBytes: number;
  sseHeartbeatMs: number;
  sseMaxStreamsPerDevice: number;
  sseMaxStreamsPerAccount: number;
  sseStallMs: number;
  sseMaxBufferedBytes: number;
  authHashThreads: number;
  metricsToken: string | undefined;
  redisUrl: string | undefined;
  maxDraftChars: number;
  draftPersistenceTtlSeconds: number;
  deviceInactivityDays: number;
  deviceInactivitySweepSeconds: number;
  changeLogRetentionDays: number;
  changeLogPruneMs: number;
  syncAckMinIntervalMs: number;
  maxAttachmentBytes: number;
  attachmentQuotaBytes: number;
  attachmentStore: 'directory' | 'database' | 's3';
  /** Set when attachmentStore is `s3`. Credentials come from the AWS SDK's own chain (env, profile, role). */
  attachmentS3: AttachmentS3Config | undefined;
  attachmentUploadTtlMs: number;
  attachmentGcMs: number;
}>;

export type AttachmentS3Config = Readonly<{
  bucket: string;
  region: string;
  endpoint: string | undefined;
  forcePathStyle: boolean;
}>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid server configuration — ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  const databaseUrl = e.DATABASE_URL ?? `file:${path.join(dataDir, 'symc.db')}`;
  if (!/^(file:|postgres(ql)?:\/\/)/.test(databaseUrl)) {
    throw new ConfigError('Invalid server configuration — DATABASE_URL must start with file: or postgresql://');
  }
  return {
    host: e.HOST,
    port: e.PORT,
    dataDir,
    databaseUrl,
    logLevel: e.LOG_LEVEL,
    accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlSeconds: e.REFRESH_TOKEN_TTL_SECONDS,
    authRateLimitPerMinute: e.AUTH_RATE_LIMIT_PER_MINUTE,
    maxBodyBytes: e.MAX_BODY_BYTES,
    maxLinkedDevices: e.MAX_LINKED_DEVICES,
    authKeyHashProfile: e.AUTH_KEY_HASH_PROFILE,
    trustProxyHops: e.TRUST_PROXY_HOPS,
    pairingTtlSeconds: e.PAIRING_TTL_SECONDS,
    pairingWaitSeconds: e.PAIRING_WAIT_SECONDS,
    publicUrl: e.PUBLIC_URL?.replace(/\/$/, ''),
    syncMaxChats: e.SYNC_MAX_CHATS,
    syncBatchMessages: e.SYNC_BATCH_MESSAGES,
    syncBatchBytes: e.SYNC_BATCH_BYTES,
    sseHeartbeatMs: Math.round(e.SSE_HEARTBEAT_SECONDS * 1000),
    sseMaxStreamsPerDevice: e.SSE_MAX_STREAMS_PER_DEVICE,
    sseMaxStreamsPerAccount: e.SSE_MAX_STREAMS_PER_ACCOUNT,
    sseStallMs: Math.round(e.SSE_STALL_SECONDS * 1000),
    sseMaxBufferedBytes: e.SSE_MAX_BUFFERED_BYTES,
    authHashThreads: e.AUTH_HASH_THREADS,
    metricsToken: e.METRICS_TOKEN,
    redisUrl: e.REDIS_URL,
    maxDraftChars: e.MAX_DRAFT_CHARS,
    draftPersistenceTtlSeconds: e.DRAFT_PERSISTENCE_TTL_SECONDS,
    deviceInactivityDays: e.DEVICE_INACTIVITY_DAYS,
    deviceInactivitySweepSeconds: e.DEVICE_INACTIVITY_SWEEP_SECONDS,
    changeLogRetentionDays: e.CHANGE_LOG_RETENTION_DAYS,
    changeLogPruneMs: Math.round(e.CHANGE_LOG_PRUNE_SECONDS * 1000),
    syncAckMinIntervalMs: e.SYNC_ACK_MIN_INTERVAL_MS,
    maxAttachmentBytes: e.MAX_ATTACHMENT_BYTES,
    attachmentQuotaBytes: e.ATTACHMENT_QUOTA_BYTES,
    attachmentStore: e.ATTACHMENT_STORE,
    attachmentS3: e.ATTACHMENT_STORE === 's3' ? attachmentS3Config(e, env) : undefined,
    attachmentUploadTtlMs: e.ATTACHMENT_UPLOAD_TTL_SECONDS * 1000,
    attachmentGcMs: Math.round(e.ATTACHMENT_GC_SECONDS * 1000),
  };
}

/** ATTACHMENT_STORE=s3 needs a bucket and a region; a missing one stops the start with one sentence. */
function attachmentS3Config(e: z.infer<typeof EnvSchema>, env: NodeJS.ProcessEnv): AttachmentS3Config {
  if (!e.ATTACHMENT_S3_BUCKET) {
    throw new ConfigError(
      'Invalid server configuration — ATTACHMENT_STORE=s3 needs ATTACHMENT_S3_BUCKET (the bucket that holds the blobs).',
    );
  }
  const region = e.ATTACHMENT_S3_REGION ?? env.AWS_REGION ?? (e.ATTACHMENT_S3_ENDPOINT ? 'us-east-1' : undefined);
  if (!region) {
    throw new ConfigError(
      'Invalid server configuration — ATTACHMENT_STORE=s3 needs ATTACHMENT_S3_REGION (or AWS_REGION) for AWS S3.',
    );
  }
  return {
    bucket: e.ATTACHMENT_S3_BUCKET,
    region,
    endpoint: e.ATTACHMENT_S3_ENDPOINT,
    forcePathStyle: e.ATTACHMENT_S3_FORCE_PATH_STYLE === 'true',
  };
}
