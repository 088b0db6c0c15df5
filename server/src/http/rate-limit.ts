import { rateLimit } from 'express-rate-limit';
import type { ErrorBody } from '../../../common/contract';

/** Per-IP limit for the unauthenticated /auth endpoints (password guessing, pairing-session spam). */
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
