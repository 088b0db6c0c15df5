import { z } from 'zod';

/** Every error any of our HTTP endpoints returns has this body: `{ error: { code, message } }`. */
export const ERROR_CODES = [
  'validation_failed',
  'malformed_json',
  'payload_too_large',
  'unauthenticated',
  'token_expired',
  'forbidden',
  'device_revoked',
  'check_code_mismatch',
  'not_found',
  'conflict',
  'username_taken',
  'invalid_credentials',
  'stale_version',
  'gone',
  'device_limit',
  'rate_limited',
  'unsupported_media_type',
  'quota_exceeded',
  'range_not_satisfiable',
  'internal',
] as const;

export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    /** Per-field problems for `validation_failed`. */
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
