import type { ErrorCode, SessionEndReason } from '../../common/contract';

/**
 * A failure the server expects and reports to the client as `{ error: { code, message } }`.
 * Anything else that escapes a handler is a bug: logged, and answered with a generic 500.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status: number,
    readonly issues?: ReadonlyArray<{ path: string; message: string }>,
    /** On a 401 for a dead session: why, so the device can say so and stop retrying. */
    readonly reason?: SessionEndReason,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const errors = {
  validation: (message: string, issues?: ReadonlyArray<{ path: string; message: string }>) =>
    new AppError('validation_failed', message, 400, issues),
  unauthenticated: (message = 'sign in first') => new AppError('unauthenticated', message, 401),
  /** The session can't be refreshed any more (`reason`: its refresh token ran out, or it was ended). */
  sessionEnded: (reason: SessionEndReason, message: string) =>
    new AppError('unauthenticated', message, 401, undefined, reason),
  tokenExpired: () => new AppError('token_expired', 'the access token has expired; refresh it', 401),
  forbidden: (message: string) => new AppError('forbidden', message, 403),
  notFound: (what: string) => new AppError('not_found', `${what} not found`, 404),
  conflict: (message: string) => new AppError('conflict', message, 409),
  staleVersion: (message: string) => new AppError('stale_version', message, 409),
  gone: (message: string) => new AppError('gone', message, 410),
  invalidCredentials: () => new AppError('invalid_credentials', 'wrong username or password', 401),
  usernameTaken: () => new AppError('username_taken', 'that username is taken', 409),
  /** `inactive`: the server unlinked it after DEVICE_INACTIVITY_DAYS unseen (else a user did). */
  deviceRevoked: (revokedReason?: string | null) =>
    revokedReason === 'inactive'
      ? new AppError(
          'device_revoked',
          'this device was unlinked after a long time without use; link it again',
          403,
          undefined,
          'inactive',
        )
      : new AppError('device_revoked', 'this device was unlinked; sign in again by pairing', 403),
  deviceLimit: (max: number) => new AppError('device_limit', `an account can link at most ${max} devices`, 409),
  rateLimited: (message: string) => new AppError('rate_limited', message, 429),
};
