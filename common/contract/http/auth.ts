import { z } from 'zod';
import { Base64UrlKey, BearerToken, DeviceName, Envelope, Id, Platform, Timestamp, Username } from '../primitives';
import { route } from './route';

/** Argon2id parameters the phone chose at sign-up; bounded so a client can't make logins unbounded. */
export const KdfParams = z.object({
  salt: z.string().regex(/^[A-Za-z0-9_-]{22}$/, { message: 'must be a 16-byte salt in base64url' }),
  opsLimit: z.int().min(1).max(10),
  memLimit: z
    .int()
    .min(8192)
    .max(1024 * 1024 * 1024),
});

export const PhoneDevice = z.object({
  name: DeviceName,
  platform: Platform,
});

export const AuthTokens = z.object({
  accessToken: BearerToken,
  refreshToken: BearerToken,
  accessExpiresAt: Timestamp,
  refreshExpiresAt: Timestamp,
});
export type AuthTokens = z.infer<typeof AuthTokens>;

export const SignedIn = AuthTokens.extend({
  userId: Id,
  deviceId: Id,
});
export type SignedIn = z.infer<typeof SignedIn>;

/** What a phone recovers at sign-in: everything user-private stays wrapped. */
export const AccountKeys = z.object({
  userId: Id,
  username: Username,
  identityPublicKey: Base64UrlKey,
  wrappedIdentitySecretKey: Envelope,
  /**
   * The account's Ed25519 signing key (public; secret wrapped under the master key, bound to the user id).
   * null for an account made before signing existed, until its phone uploads one (`setSigningKey`);
   * optional because a server from before signing doesn't send it.
   */
  signingPublicKey: Base64UrlKey.nullable().optional(),
  wrappedSigningSecretKey: Envelope.nullable().optional(),
});
export type AccountKeys = z.infer<typeof AccountKeys>;

export const register = route({
  method: 'POST',
  path: '/auth/register',
  auth: 'public',
  body: z.strictObject({
    username: Username,
    /** Client-chosen so the identity secret key can be wrapped (bound to the user id) before sign-up. */
    userId: Id,
    authKey: Base64UrlKey,
    kdf: KdfParams,
    wrappedMasterKey: Envelope,
    identityPublicKey: Base64UrlKey,
    wrappedIdentitySecretKey: Envelope,
    /** Made on the phone with the other keys. Optional: a phone app from before signing doesn't send them. */
    signingPublicKey: Base64UrlKey.optional(),
    wrappedSigningSecretKey: Envelope.optional(),
    device: PhoneDevice,
  }),
  response: SignedIn,
  status: 201,
});

export const prelogin = route({
  method: 'POST',
  path: '/auth/prelogin',
  auth: 'public',
  body: z.strictObject({ username: Username }),
  response: z.object({ kdf: KdfParams }),
});

export const login = route({
  method: 'POST',
  path: '/auth/login',
  auth: 'public',
  body: z.strictObject({ username: Username, authKey: Base64UrlKey, device: PhoneDevice }),
  response: SignedIn.extend({ account: AccountKeys, wrappedMasterKey: Envelope, kdf: KdfParams }),
});

export const refresh = route({
  method: 'POST',
  path: '/auth/refresh',
  auth: 'public',
  body: z.strictObject({ refreshToken: BearerToken }),
  response: AuthTokens,
});

export const logout = route({ method: 'POST', path: '/auth/logout', auth: 'device' });

export const me = route({ method: 'GET', path: '/me', auth: 'device', response: AccountKeys.extend({ deviceId: Id }) });

/**
 * An account made before signing existed gets its signing key from its phone, at the phone's next start.
 * Set once: the server stores it only while the account has none; the same key again is a no-op (a retry
 * whose answer was lost); another key is 409 `conflict` — a signing key is never
 * replaced through the API, so a stolen session cannot swap a victim's key for one of its own.
 */
export const setSigningKey = route({
  method: 'PUT',
  path: '/me/signing-key',
  auth: 'phone',
  body: z.strictObject({ signingPublicKey: Base64UrlKey, wrappedSigningSecretKey: Envelope }),
  response: z.object({ signingPublicKey: Base64UrlKey, wrappedSigningSecretKey: Envelope }),
});
