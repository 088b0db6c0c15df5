import { kdfLimits, keyedHash, randomId, sha256Hex, toBase64Url } from '../../../../common/crypto';
import type { AccountKeys, api, BodyOf, ResponseOf } from '../../../../common/contract';
import { uniqueViolation } from '../../db/unique-violation';
import { errors } from '../../errors';
import type { ServerDeps } from '../../server-deps';
import { openSession, rotateSession } from './tokens';

type Deps = Pick<ServerDeps, 'db' | 'config' | 'preloginSecret' | 'authKeys' | 'streams' | 'metrics' | 'logger'>;

export async function register(
  deps: Deps,
  body: BodyOf<typeof api.register>,
): Promise<ResponseOf<typeof api.register>> {
  const { db, config } = deps;
  const taken = await db.user.findFirst({ where: { OR: [{ username: body.username }, { id: body.userId }] } });
  if (taken) throw taken.username === body.username ? errors.usernameTaken() : errors.conflict('that user id is taken');
  if ((body.signingPublicKey === undefined) !== (body.wrappedSigningSecretKey === undefined)) {
    throw errors.validation('signingPublicKey and wrappedSigningSecretKey come together');
  }
  const authKeyHash = await deps.authKeys.hash(body.authKey);
  const deviceId = randomId();
  const tokens = await db
    .$transaction(async (tx) => {
      await tx.user.create({
        data: {
          id: body.userId,
          username: body.username,
          kdfSalt: body.kdf.salt,
          kdfOpsLimit: body.kdf.opsLimit,
          kdfMemLimit: body.kdf.memLimit,
          authKeyHash,
          wrappedMasterKey: body.wrappedMasterKey,
          identityPublicKey: body.identityPublicKey,
          wrappedIdentitySecretKey: body.wrappedIdentitySecretKey,
          // Both or neither: a public key without its wrapped secret could never sign on a linked device.
          ...(body.signingPublicKey && body.wrappedSigningSecretKey
            ? { signingPublicKey: body.signingPublicKey, wrappedSigningSecretKey: body.wrappedSigningSecretKey }
            : {}),
        },
      });
      await tx.device.create({
        data: {
          id: deviceId,
          userId: body.userId,
          kind: 'phone',
          name: body.device.name,
          platform: body.device.platform,
        },
      });
      return openSession(tx, deviceId, config);
    })
    .catch((error: unknown) => {
      // Two sign-ups of one name can both pass the check above; the unique index decides which one wins.
      const unique = uniqueViolation(error);
      if (unique?.model !== 'User') throw error;
      throw unique.fields.includes('username') ? errors.usernameTaken() : errors.conflict('that user id is taken');
    });
  return { userId: body.userId, deviceId, ...tokens };
}

/**
 * The phone needs the KDF salt before it can derive its authKey. For an unknown username we answer with a
 * salt derived from a server secret, stable for that name, so prelogin does not reveal which accounts exist.
 */
export async function prelogin(
  deps: Deps,
  body: BodyOf<typeof api.prelogin>,
): Promise<ResponseOf<typeof api.prelogin>> {
  const user = await deps.db.user.findUnique({ where: { username: body.username } });
  if (user) return { kdf: { salt: user.kdfSalt, opsLimit: user.kdfOpsLimit, memLimit: user.kdfMemLimit } };
  const fakeSalt = keyedHash(new TextEncoder().encode(body.username), deps.preloginSecret, 16);
  return { kdf: { salt: toBase64Url(fakeSalt), ...kdfLimits('interactive') } };
}

/** Signing in on a phone adds a phone device to the account (counted against the device cap). */
export async function login(deps: Deps, body: BodyOf<typeof api.login>): Promise<ResponseOf<typeof api.login>> {
  const { db, config } = deps;
  const user = await db.user.findUnique({ where: { username: body.username } });
  if (!user) {
    await deps.authKeys.burnVerify(body.authKey);
    throw errors.invalidCredentials();
  }
  if (!(await deps.authKeys.verify(user.authKeyHash, body.authKey))) throw errors.invalidCredentials();
  const active = await db.device.count({ where: { userId: user.id, revokedAt: null } });
  if (active >= config.maxLinkedDevices) throw errors.deviceLimit(config.maxLinkedDevices);
  const deviceId = randomId();
  const tokens = await db.$transaction(async (tx) => {
    await tx.device.create({
      data: { id: deviceId, userId: user.id, kind: 'phone', name: body.device.name, platform: body.device.platform },
    });
    return openSession(tx, deviceId, config);
  });
  return {
    userId: user.id,
    deviceId,
    ...tokens,
    account: accountKeys(user),
    wrappedMasterKey: user.wrappedMasterKey,
    kdf: { salt: user.kdfSalt, opsLimit: user.kdfOpsLimit, memLimit: user.kdfMemLimit },
  };
}

export async function refresh(deps: Deps, body: BodyOf<typeof api.refresh>): Promise<ResponseOf<typeof api.refresh>> {
  const { db, config } = deps;
  const presented = sha256Hex(body.refreshToken);
  const session = await db.session.findUnique({ where: { refreshTokenHash: presented }, include: { device: true } });
  if (!session) return refuseUnknownRefresh(deps, presented);
  if (session.device.revokedAt) throw errors.deviceRevoked(session.device.revokedReason);
  if (session.revokedAt) {
    throw errors.sessionEnded('ended', 'this session was signed out or ended; link this device again');
  }
  if (session.refreshExpiresAt.getTime() <= Date.now()) {
    throw errors.sessionEnded('expired', 'this session expired after a long time without use; link this device again');
  }
  const tokens = await db.$transaction((tx) => rotateSession(tx, session, config));
  // Another refresh with this very token won the race: it was presented twice.
  if (!tokens) return revokeReusedFamily(deps, session.id, session.deviceId);
  return tokens;
}

/** Not a current refresh token: a spent one revokes its family; anything else is simply unknown. */
async function refuseUnknownRefresh(deps: Deps, presented: string): Promise<never> {
  const spent = await deps.db.spentRefreshToken.findUnique({
    where: { tokenHash: presented },
    include: { session: { include: { device: true } } },
  });
  if (!spent) throw errors.unauthenticated('this refresh token is not valid (used already or signed out)');
  if (spent.session.device.revokedAt) throw errors.deviceRevoked(spent.session.device.revokedReason);
  return revokeReusedFamily(deps, spent.sessionId, spent.session.deviceId);
}

/**
 * Refresh-token reuse (OAuth 2.0 security BCP): a rotated-away refresh token came back, so two parties
 * hold copies of this family — the owner and a thief, and the server can't tell which one refreshed
 * first. Every token of the family dies and its streams end; the owner signs in (or pairs) again.
 */
async function revokeReusedFamily(deps: Deps, sessionId: string, deviceId: string): Promise<never> {
  await deps.db.session.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: new Date() } });
  deps.streams.endSessions([sessionId], 'session_revoked');
  deps.metrics.authFailures.inc({ reason: 'refresh_token_reuse' });
  deps.logger.warn({ sessionId, deviceId }, 'a spent refresh token was presented again; its session is revoked');
  throw errors.sessionEnded(
    'ended',
    'this refresh token was already used, so its session has been ended on every copy; sign in again',
  );
}

/** Signing out ends the session's tokens and its open streams (here and on the other instances). */
export async function logout(deps: Deps, sessionId: string): Promise<void> {
  await deps.db.session.update({ where: { id: sessionId }, data: { revokedAt: new Date() } });
  deps.streams.endSessions([sessionId], 'signed_out');
}

export async function me(deps: Deps, userId: string, deviceId: string): Promise<ResponseOf<typeof api.me>> {
  const user = await deps.db.user.findUniqueOrThrow({ where: { id: userId } });
  return { ...accountKeys(user), deviceId };
}

type UserKeys = {
  id: string;
  username: string;
  identityPublicKey: string;
  wrappedIdentitySecretKey: string;
  signingPublicKey: string | null;
  wrappedSigningSecretKey: string | null;
};

function accountKeys(user: UserKeys): AccountKeys {
  return {
    userId: user.id,
    username: user.username,
    identityPublicKey: user.identityPublicKey,
    wrappedIdentitySecretKey: user.wrappedIdentitySecretKey,
    signingPublicKey: user.signingPublicKey,
    wrappedSigningSecretKey: user.wrappedSigningSecretKey,
  };
}

/**
 * Set once (the contract's `setSigningKey`): a conditional update, so two phones racing with different
 * keys store exactly one and the other gets 409 — and a key, once set, is never replaced by this route.
 */
export async function setSigningKey(
  deps: Deps,
  userId: string,
  body: BodyOf<typeof api.setSigningKey>,
): Promise<ResponseOf<typeof api.setSigningKey>> {
  await deps.db.user.updateMany({
    where: { id: userId, signingPublicKey: null },
    data: { signingPublicKey: body.signingPublicKey, wrappedSigningSecretKey: body.wrappedSigningSecretKey },
  });
  const user = await deps.db.user.findUniqueOrThrow({
    where: { id: userId },
    select: { signingPublicKey: true, wrappedSigningSecretKey: true },
  });
  if (
    user.signingPublicKey !== body.signingPublicKey ||
    user.wrappedSigningSecretKey !== body.wrappedSigningSecretKey
  ) {
    throw errors.conflict('this account has a signing key already; it is never replaced');
  }
  return { signingPublicKey: user.signingPublicKey, wrappedSigningSecretKey: user.wrappedSigningSecretKey };
}
