import { z } from 'zod';

/**
 * `GET /healthz` (no auth): what a load balancer or an operator reads. 200 when the instance can serve,
 * 503 (same body) when it can't — a dependency is down or the schema is older than this build.
 * Details name what failed, never data.
 */
export const DependencyHealth = z.object({
  status: z.enum(['ok', 'down', 'not_configured']),
  /** Round trip of the probe, ms (absent when not configured). */
  latencyMs: z.number().optional(),
  /** Why it is down, in a sentence. */
  detail: z.string().optional(),
});

export const MigrationHealth = z.object({
  /**
   * `ok`: every migration this build knows is applied; `pending`: some are not (the instance must not serve);
   * `ahead`: the database also has migrations this build doesn't know (a newer instance migrated it during a
   * rolling deploy — this one still serves, and should be replaced); `down`: the history could not be read.
   */
  status: z.enum(['ok', 'pending', 'ahead', 'down']),
  /** The newest migration this build knows. */
  latest: z.string(),
  /** Known to this build, not applied. */
  pending: z.array(z.string()),
  /** Applied, not known to this build. */
  unknown: z.array(z.string()),
  detail: z.string().optional(),
});

export const HealthReport = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.object({
    database: DependencyHealth.extend({ provider: z.enum(['sqlite', 'postgresql']) }),
    redis: DependencyHealth,
    migrations: MigrationHealth,
    /**
     * Where attachment blobs live (docs/ATTACHMENTS.md). `down` here does not make the instance unavailable:
     * messages still flow, attachment requests answer 503 until the store is back, and with a shared store
     * (S3) every instance would drop out of the balancer at once. Monitor it on its own. Absent from servers
     * older than the S3 store.
     */
    blobStore: DependencyHealth.extend({ kind: z.enum(['directory', 'database', 's3']) }).optional(),
  }),
});
export type HealthReport = z.infer<typeof HealthReport>;
export type DependencyHealth = z.infer<typeof DependencyHealth>;
