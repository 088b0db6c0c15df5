import { kdfLimits, keyedHash, randomId, sha256Hex, toBase64Url } from '../../../../common/crypto';
import type { api, BodyOf, ResponseOf } from '../../../../common/contract';
import type { Config } from '../../config';
import type { Db } from '../../db/client';
import { errors } from '../../errors';
import { burnVerify, hashAuthKey, verifyAuthKey } from './auth-key-hash';
import { openSession, rotateSession } from './tokens';

type Deps = { db: Db; config: Config; preloginSecret: Uint8Array };

export async function register(deps: Deps, body: BodyOf<typeof api.register>): Promise<ResponseOf<typeof api.register>> {
  const { db, config } = deps;
  const taken = await db.user.findFirst({ where: { OR: [{ username: body.username }, { id: body.userId }] } });
  if (taken) throw taken.username === body.username ? errors.usernameTaken() : errors.conflict('that user id is taken');
  const authKeyHash = hashAuthKey(body.authKey, config.authKeyHashProfile);
  const deviceId = randomId();
  const tokens = await db.$transaction(async (tx) => {
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
      },
    });
    await tx.device.create({
      data: { id: deviceId, userId: body.userId, kind: 'phone', name: body.device.name, platform: body.device.platform },
    });
    return openSession(tx, deviceId, config);
  });
  return { userId: body.userId, deviceId, ...tokens };
}

/**
 * The phone needs the KDF salt before it can derive its authKey. For an unknown username we answer with a
 * salt derived from a server secret, stable for that name, so prelogin does not reveal which accounts exist.
 */
export async function prelogin(deps: Deps, body: BodyOf<typeof api.prelogin>): Promise<ResponseOf<typeof api.prelogin>> {
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
    burnVerify(body.authKey, config.authKeyHashProfile);
    throw errors.invalidCredentials();
  }
  if (!verifyAuthKey(user.authKeyHash, body.authKey)) throw errors.invalidCredentials();
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
    account: {
      userId: user.id,
      username: user.username,
      identityPublicKey: user.identityPublicKey,
      wrappedIdentitySecretKey: user.wrappedIdentitySecretKey,
    },
    wrappedMasterKey: user.wrappedMasterKey,
    kdf: { salt: user.kdfSalt, opsLimit: user.kdfOpsLimit, memLimit: user.kdfMemLimit },
  };
}

export async function refresh(deps: Deps, body: BodyOf<typeof api.refresh>): Promise<ResponseOf<typeof api.refresh>> {
  const { db, config } = deps;
  const session = await db.session.findUnique({
    where: { refreshTokenHash: sha256Hex(body.refreshToken) },
    include: { device: true },
  });
  if (session?.device.revokedAt) throw errors.deviceRevoked();
  if (!session || session.revokedAt) {
    throw errors.unauthenticated('this refresh token is not valid (used already or signed out)');
  }
  if (session.refreshExpiresAt.getTime() <= Date.now()) {
    throw errors.unauthenticated('this refresh token has expired; sign in again');
  }
  return db.$transaction((tx) => rotateSession(tx, session.id, config));
}

export async function logout(deps: Deps, sessionId: string): Promise<void> {
  await deps.db.session.update({ where: { id: sessionId }, data: { revokedAt: new Date() } });
}

export async function me(deps: Deps, userId: string, deviceId: string): Promise<ResponseOf<typeof api.me>> {
  const user = await deps.db.user.findUniqueOrThrow({ where: { id: userId } });
  return {
    userId: user.id,
    username: user.username,
    identityPublicKey: user.identityPublicKey,
    wrappedIdentitySecretKey: user.wrappedIdentitySecretKey,
    deviceId,
  };
}
