import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { ErrorBody } from '../../../common/contract';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * `METRICS_TOKEN`: when set, `/metrics` answers only `Authorization: Bearer <token>` (a deployment whose
 * port others can reach; Prometheus sends it with `authorization: { credentials: … }`). Compared as
 * SHA-256 digests in constant time, so neither the length nor a prefix leaks by timing. Unset: open.
 */
export function metricsAuth(token: string | undefined): RequestHandler {
  if (token === undefined) return (_req, _res, next) => next();
  const expected = digest(token);
  return (req, res, next) => {
    const match = /^Bearer (.+)$/.exec(req.get('authorization') ?? '');
    if (match && timingSafeEqual(digest(match[1]!), expected)) {
      next();
      return;
    }
    const body: ErrorBody = {
      error: {
        code: 'unauthenticated',
        message: 'this server requires "Authorization: Bearer <METRICS_TOKEN>" for /metrics',
      },
    };
    res.status(401).set('www-authenticate', 'Bearer').json(body);
  };
}
