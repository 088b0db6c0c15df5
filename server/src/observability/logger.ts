import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Invariant: no token, password-derived key or ciphertext is ever logged. Request
 * logs carry method, route path (never the query string: it may hold a one-time ticket), status, timing
 * and ids. The redact list is a second line of defence for anything that slips into a log call.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'symc-server' },
      redact: {
        paths: [
          '*.authorization',
          '*.accessToken',
          '*.refreshToken',
          '*.pollToken',
          '*.authKey',
          '*.ciphertext',
          '*.encryptedMeta',
          '*.sealedBundle',
          '*.wrappedMasterKey',
          'req.headers',
          'body',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
