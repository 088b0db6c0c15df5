// The one crypto module shared by the desktop core, the phone and the tests. Nothing else imports libsodium.
export { initCrypto } from './sodium';
export { CryptoError, type CryptoErrorCode } from './errors';
export { type Base64Url, type Brand, toBase64Url, fromBase64Url, isBase64Url, requireLength, utf8 } from './encoding';
export * from './keys';
export * from './envelope';
export * from './sealed-box';
export * from './password';
export * from './key-wrapping';
export * from './signing';
export * from './check-code';
export { keyedHash, randomBytes, randomId, randomToken, sha256Hex } from './random';
export * from './cpace';
export * from './pairing-pake';
export { sha512 } from './hash';
export * from './attachment-stream';
export * from './attachment-open';
