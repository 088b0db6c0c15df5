import { z } from 'zod';
import { PAKE_BOX_PATTERN } from '../../crypto';
import { QrSecret } from '../pairing-link';
import {
  Base64UrlKey,
  BearerToken,
  DeviceName,
  Envelope,
  Id,
  SealedBox,
  ShownDeviceName,
  Timestamp,
} from '../primitives';
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

/**
 * The pairing protocol these schemas describe. 2: the typed-code path runs CPace keyed by the check code
 * (common/crypto/pairing-pake.ts) and the QR path echoes the QR's secret in the sealed bundle; the check
 * code is random and never reaches the server. Protocol 1 clients are refused with a readable 410.
 */
export const PAIRING_PROTOCOL = 2;

/**
 * `rejected`: the phone approved but the desktop could not open what it sent (a wrong check code, or a
 * bundle not made by a phone that saw the desktop's screen); the desktop reported it and shows a new code.
 * `cancelled` only appears on sessions from protocol 1.
 */
export const PairingStatus = z.enum(['pending', 'approved', 'denied', 'cancelled', 'expired', 'consumed', 'rejected']);
export type PairingStatus = z.infer<typeof PairingStatus>;

/** The desktop's CPace message: a fresh session id and its share, both base64url. */
export const PakeSid = z.string().regex(/^[A-Za-z0-9_-]{22}$/, { message: 'must be 16 bytes in base64url' });
export const DesktopPake = z.strictObject({ sid: PakeSid, share: Base64UrlKey });

/** `p2.<nonce>.<ciphertext>`: the bundle under the key both sides derive from CPace. */
export const PakeBox = z
  .string()
  .max(16 * 1024, { message: 'must be at most 16384 characters' })
  .regex(PAKE_BOX_PATTERN, { message: 'must be a p2 pairing box' });

/**
 * What the phone hands the desktop, through the server. `qr`: the bundle sealed to the key read from the
 * QR. `code`: the phone's CPace share and the bundle under the CPace key.
 */
export const PairingHandover = z.discriminatedUnion('method', [
  z.strictObject({ method: z.literal('qr'), sealedBundle: SealedBox }),
  z.strictObject({ method: z.literal('code'), phoneShare: Base64UrlKey, sealedBundle: PakeBox }),
]);
export type PairingHandover = z.infer<typeof PairingHandover>;

export const createPairingSession = route({
  method: 'POST',
  path: '/auth/qr/session',
  auth: 'public',
  body: z.strictObject({
    desktopPublicKey: Base64UrlKey,
    deviceName: DeviceName,
    platform: DesktopPlatform,
    /** Required since protocol 2; optional in the schema so a protocol-1 desktop gets a sentence, not a schema error. */
    pake: DesktopPake.optional(),
  }),
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
  /** The desktop's CPace message; null on a session a protocol-1 desktop opened. */
  pake: DesktopPake.nullable(),
  deviceName: ShownDeviceName,
  platform: DesktopPlatform,
  createdAt: Timestamp,
  expiresAt: Timestamp,
  status: PairingStatus,
});
export type PairingInfo = z.infer<typeof PairingInfo>;

/**
 * The phone names the protocol it speaks. A protocol-1 phone (no `v`) would compute a check code from the
 * key and refuse every code the desktop shows; the server answers it with a 410 asking to update instead.
 */
const ProtocolQuery = z.strictObject({ v: z.string().max(4).optional() });

export const getPairingSession = route({
  method: 'GET',
  path: '/auth/qr/session/:pairingId',
  auth: 'phone',
  params: z.strictObject({ pairingId: Id }),
  query: ProtocolQuery,
  response: PairingInfo,
});

export const findPairingByCode = route({
  method: 'GET',
  path: '/auth/qr/code/:pairingCode',
  auth: 'phone',
  params: z.strictObject({ pairingCode: PairingCode }),
  query: ProtocolQuery,
  response: PairingInfo,
});

/**
 * Seed endpoint. The phone approves (with its hand-over) or denies. One answer per session: the server
 * can't check the code (it never sees it), so a session takes one approval, and a desktop that can't open
 * it reports `rejected` and starts a new session with a new code.
 */
export const scanPairing = route({
  method: 'POST',
  path: '/auth/qr-scan',
  auth: 'phone',
  body: z.discriminatedUnion('decision', [
    z.strictObject({ pairingId: Id, decision: z.literal('approve'), handover: PairingHandover }),
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
  body: z.strictObject({
    pairingId: Id,
    pollToken: BearerToken,
    /** Answer at once instead of holding the request (the desktop's last look before it rotates). */
    peek: z.boolean().optional(),
  }),
  /** With `approved`, the phone's hand-over: the desktop opens it before it takes the device (confirm). */
  response: z.object({ status: PairingStatus, handover: PairingHandover.optional() }),
});

/**
 * The desktop could not open the hand-over: the session ends as `rejected` (the phone is told so) and the
 * hand-over is erased. No device was created: the desktop confirms only what it opened.
 */
export const rejectPairing = route({
  method: 'POST',
  path: '/auth/qr/reject',
  auth: 'public',
  body: z.strictObject({ pairingId: Id, pollToken: BearerToken }),
  response: z.object({ status: PairingStatus }),
});

/** Seed endpoint. Single use: it consumes the session and hands over the device's tokens. */
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
 * What the phone hands the desktop, sealed (QR) or under the CPace key (typed code). Only the desktop can
 * open it; the server stores and forwards it blind. `pairingId` ties it to its session; `qrSecret` (QR path
 * only) proves the phone read the desktop's screen.
 */
export const PairingBundle = z.strictObject({
  v: z.literal(2),
  pairingId: Id,
  userId: Id,
  username: z.string(),
  masterKey: Base64UrlKey,
  qrSecret: QrSecret.optional(),
});
export type PairingBundle = z.infer<typeof PairingBundle>;
