import { z } from 'zod';
import { AuthTokens } from '../../../common/contract';
import {
  CryptoError,
  decodePublicKey,
  decodeSigningPublicKey,
  fromBase64Url,
  masterKeyFromBytes,
  SIGNING_SECRET_KEY_BYTES,
  toBase64Url,
} from '../../../common/crypto';
import { requireLength } from '../../../common/crypto';
import type { PhoneSession } from './account';

/**
 * A phone session as plain JSON, for the device's own storage (the web app encrypts it before it is
 * written; see web/src/storage/device-vault.ts). It holds the master key and the identity secret key:
 * the phone is the device that owns them. Validated on the way back in, like any stored input.
 */
export const StoredSession = z.object({
  v: z.literal(1),
  userId: z.string(),
  username: z.string(),
  deviceId: z.string(),
  tokens: AuthTokens,
  masterKey: z.string(),
  identity: z.object({ publicKey: z.string(), secretKey: z.string() }),
  /** Absent in sessions stored before signing existed: the app then runs `ensureSigningKey`. */
  signing: z.object({ publicKey: z.string(), secretKey: z.string() }).optional(),
});
export type StoredSession = z.infer<typeof StoredSession>;

export function encodeSession(session: PhoneSession): StoredSession {
  return {
    v: 1,
    userId: session.userId,
    username: session.username,
    deviceId: session.deviceId,
    tokens: {
      accessToken: session.tokens.accessToken,
      refreshToken: session.tokens.refreshToken,
      accessExpiresAt: session.tokens.accessExpiresAt,
      refreshExpiresAt: session.tokens.refreshExpiresAt,
    },
    masterKey: toBase64Url(session.masterKey),
    identity: {
      publicKey: toBase64Url(session.identity.publicKey),
      secretKey: toBase64Url(session.identity.secretKey),
    },
    ...(session.signing
      ? {
          signing: {
            publicKey: toBase64Url(session.signing.publicKey),
            secretKey: toBase64Url(session.signing.secretKey),
          },
        }
      : {}),
  };
}

/** Throws a ZodError or CryptoError when the stored value is not a session (corrupt or from another version). */
export function decodeSession(value: unknown): PhoneSession {
  const s = StoredSession.parse(value);
  return {
    userId: s.userId,
    username: s.username,
    deviceId: s.deviceId,
    tokens: s.tokens,
    masterKey: masterKeyFromBytes(fromBase64Url(s.masterKey, 'master key')),
    identity: {
      publicKey: decodePublicKey(s.identity.publicKey),
      secretKey: identitySecretKey(s.identity.secretKey),
    },
    signing: s.signing
      ? {
          publicKey: decodeSigningPublicKey(s.signing.publicKey),
          secretKey: requireLength(
            fromBase64Url(s.signing.secretKey, 'signing secret key'),
            SIGNING_SECRET_KEY_BYTES,
            'signing secret key',
          ),
        }
      : null,
  };
}

function identitySecretKey(text: string): Uint8Array {
  const bytes = fromBase64Url(text, 'identity secret key');
  if (bytes.length !== 32) throw new CryptoError('bad_key_length', 'identity secret key must be 32 bytes');
  return bytes;
}
