export type CryptoErrorCode =
  'decrypt_failed' | 'unsupported_version' | 'malformed_encoding' | 'bad_key_length' | 'invalid_point';

/** Every failure of the crypto module: callers branch on `code`, never on the message. */
export class CryptoError extends Error {
  constructor(
    readonly code: CryptoErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CryptoError';
  }
}
