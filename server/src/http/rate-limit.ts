import type { Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { ErrorBody, RouteSpec } from '../../../common/contract';

/** Per-IP limit for one unauthenticated /auth endpoint (password guessing, pairing-session spam). */
export function authRateLimit(perMinute: number) {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, res) => {
      const body: ErrorBody = {
        error: { code: 'rate_limited', message: 'too many requests; wait a minute and try again' },
      };
      res.status(429).json(body);
    },
  });
}

/**
 * One budget per endpoint (its method and exact path), never shared: failed sign-ins from an address
 * (a shared NAT) must not make that address's token refreshes or pairing confirms answer 429. Register
 * before the routes themselves, so the limiter runs first.
 */
export function limitEachEndpoint(router: Router, specs: readonly RouteSpec[], perMinute: number): void {
  for (const spec of specs) {
    const method = spec.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
    router[method](spec.path, authRateLimit(perMinute));
  }
}
