import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** One registry per app instance (tests start several servers in one process). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({
      name: 'symc_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'symc_http_request_duration_seconds',
      help: 'HTTP request duration by route',
      labelNames: ['method', 'route'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    syncPhases: new Counter({
      name: 'symc_sync_phase_completed_total',
      help: 'Fresh-sync phases streamed to completion',
      labelNames: ['phase'] as const,
      registers: [registry],
    }),
    syncPhaseDuration: new Histogram({
      name: 'symc_sync_phase_duration_seconds',
      help: 'Time to stream one fresh-sync phase',
      labelNames: ['phase'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    freshSyncPreparations: new Counter({
      name: 'symc_fresh_sync_preparations_total',
      help: 'Fresh syncs started from a preparation made at pairing (used) or computed on connect (none)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    syncErrors: new Counter({
      name: 'symc_sync_errors_total',
      help: 'sync:error events sent, by code',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    sseConnections: new Gauge({ name: 'symc_sse_connections', help: 'Open sync streams', registers: [registry] }),
    sseStreamsEnded: new Counter({
      name: 'symc_sse_streams_ended_total',
      help: 'Sync streams the server ended or refused, by reason (replaced, account_cap, revoked, signed_out, session_revoked, stalled, buffer_full)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    authFailures: new Counter({
      name: 'symc_auth_failures_total',
      help: 'Refused sign-ins and token checks by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
