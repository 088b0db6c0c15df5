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
  'invalid_position',
  'stale_position',
  'internal',
] as const;

export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

/**
 * Why a session can't be used any more, on the 401 answers of `refresh`: `expired` — its refresh token ran
 * out (the device wasn't used for the refresh TTL); `ended` — it was signed out, or revoked because a
 * refresh token was used twice. On a 403 `device_revoked`: `inactive` — the server unlinked the device
 * after DEVICE_INACTIVITY_DAYS unseen (absent: unlinked by a user). A device that gets one must stop
 * retrying and link again. Optional: older servers don't send it.
 */
export const SessionEndReason = z.enum(['expired', 'ended', 'inactive']);
export type SessionEndReason = z.infer<typeof SessionEndReason>;

export const ErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    reason: SessionEndReason.optional(),
    /** Per-field problems for `validation_failed`. */
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
