import { z } from 'zod';
import { Base64UrlKey, BearerToken, DeviceName, Envelope, Id, SealedBox, Timestamp } from '../primitives';
import { AuthTokens } from './auth';
import { route } from './route';

/** Desktop platforms only: a phone is never linked by QR. */
export const DesktopPlatform = z.enum(['macos', 'windows', 'linux']);

/**
 * Short code for linking without a camera: 8 characters of Crockford base32 (no I, L, O, U), shown as
 * "ABCD-EFGH". 40 bits, and a session lives 60 s, so it can't be guessed in time.
 */
export const PairingCode = z
  .string()
  .transform((s) => s.toUpperCase().replace(/[\s-]/g, ''))
  .pipe(z.string().regex(/^[0-9A-HJKMNP-TV-Z]{8}$/, { message: 'must be 8 letters and digits, like ABCD-EFGH' }));

export const PairingStatus = z.enum(['pending', 'approved', 'denied', 'cancelled', 'expired', 'consumed']);
export type PairingStatus = z.infer<typeof PairingStatus>;

export const createPairingSession = route({
  method: 'POST',
  path: '/auth/qr/session',
  auth: 'public',
  body: z.strictObject({ desktopPublicKey: Base64UrlKey, deviceName: DeviceName, platform: DesktopPlatform }),
  response: z.object({
    pairingId: Id,
    /** Secret: proves to the server that a later wait/confirm comes from the desktop that opened the session. */
    pollToken: BearerToken,
    pairingCode: z.string(),
    expiresAt: Timestamp,
    /** The server's public origin, for the QR link. */
    serverOrigin: z.string(),
  }),
  status: 201,
});

/** What the phone shows before the user approves: who is asking, and until when. */
export const PairingInfo = z.object({
  pairingId: Id,
  pairingCode: z.string(),
  desktopPublicKey: Base64UrlKey,
  deviceName: DeviceName,
  platform: DesktopPlatform,
  createdAt: Timestamp,
  expiresAt: Timestamp,
  status: PairingStatus,
});
export type PairingInfo = z.infer<typeof PairingInfo>;

export const getPairingSession = route({
  method: 'GET',
  path: '/auth/qr/session/:pairingId',
  auth: 'phone',
  params: z.strictObject({ pairingId: Id }),
  response: PairingInfo,
});

export const findPairingByCode = route({
  method: 'GET',
  path: '/auth/qr/code/:pairingCode',
  auth: 'phone',
  params: z.strictObject({ pairingCode: PairingCode }),
  response: PairingInfo,
});

/** Seed endpoint. The phone approves (with the check code and the sealed bundle) or denies. */
export const scanPairing = route({
  method: 'POST',
  path: '/auth/qr-scan',
  auth: 'phone',
  body: z.discriminatedUnion('decision', [
    z.strictObject({
      pairingId: Id,
      decision: z.literal('approve'),
      checkCode: z.string().max(16),
      sealedBundle: SealedBox,
    }),
    z.strictObject({ pairingId: Id, decision: z.literal('deny') }),
  ]),
  response: z.object({ status: PairingStatus }),
});

/**
 * The desktop waits for the phone without busy polling: the server holds this request until the session
 * changes state or `WAIT_MAX_SECONDS` pass, then answers with the current status.
 */
export const PAIRING_WAIT_MAX_SECONDS = 25;
export const waitForPairing = route({
  method: 'POST',
  path: '/auth/qr/wait',
  auth: 'public',
  body: z.strictObject({ pairingId: Id, pollToken: BearerToken }),
  response: z.object({ status: PairingStatus }),
});

/** Seed endpoint. Single use: it consumes the session and hands over the device's tokens and sealed bundle. */
export const confirmPairing = route({
  method: 'POST',
  path: '/auth/qr-confirm',
  auth: 'public',
  body: z.strictObject({ pairingId: Id, pollToken: BearerToken }),
  response: z.discriminatedUnion('status', [
    z.object({ status: z.literal('pending') }),
    AuthTokens.extend({
      status: z.literal('approved'),
      userId: Id,
      deviceId: Id,
      sealedBundle: SealedBox,
      /**
       * The account's identity key pair as the server holds it (public key, secret key wrapped under the
       * master key — which only the bundle carries): the desktop needs it for chats shared with it by
       * sealed key, and gets it here instead of in a second request before its first sync. Optional: a
       * server from before it was added doesn't send it, and the desktop then asks `GET /me` once.
       */
      identityPublicKey: Base64UrlKey.optional(),
      wrappedIdentitySecretKey: Envelope.optional(),
      /** The account's signing key, the same way (absent or null: none yet; the desktop asks `GET /me` later). */
      signingPublicKey: Base64UrlKey.nullable().optional(),
      wrappedSigningSecretKey: Envelope.nullable().optional(),
    }),
  ]),
});

/**
 * What the phone seals to the desktop's ephemeral key. Only the desktop can open it; the server stores
 * and forwards it blind.
 */
export const PairingBundle = z.strictObject({
  v: z.literal(1),
  userId: Id,
  username: z.string(),
  masterKey: Base64UrlKey,
});
export type PairingBundle = z.infer<typeof PairingBundle>;

