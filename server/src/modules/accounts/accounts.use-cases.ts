import { randomId, sha256Hex, toBase64Url } from '../../../../common/crypto';
import { sodium } from '../../../../common/crypto/sodium';
import type { AccountKeys, api, BodyOf, ResponseOf } from '../../../../common/contract';
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
  if ((body.signingPublicKey === undefined) !== (body.wrappedSigningSecretKey === undefined)) {
    throw errors.validation('signingPublicKey and wrappedSigningSecretKey come together');
  }
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
        // Both or neither: a public key without its wrapped secret could never sign on a linked device.
        ...(body.signingPublicKey && body.wrappedSigningSecretKey
          ? { signingPublicKey: body.signingPublicKey, wrappedSigningSecretKey: body.wrappedSigningSecretKey }
          : {}),
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
  const s = sodium();
  const fakeSalt = s.crypto_generichash(16, new TextEncoder().encode(body.username), deps.preloginSecret);
  return {
    kdf: {
      salt: toBase64Url(fakeSalt),
      opsLimit: s.crypto_pwhash_OPSLIMIT_INTERACTIVE,
      memLimit: s.crypto_pwhash_MEMLIMIT_INTERACTIVE,
    },
  };
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
    account: accountKeys(user),
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
  const user = await deps.db.user.findUniqueOrThrow({ where: { id: userId }, select: { signingPublicKey: true, wrappedSigningSecretKey: true } });
  if (user.signingPublicKey !== body.signingPublicKey || user.wrappedSigningSecretKey !== body.wrappedSigningSecretKey) {
    throw errors.conflict('this account has a signing key already; it is never replaced');
  }
  return { signingPublicKey: user.signingPublicKey, wrappedSigningSecretKey: user.wrappedSigningSecretKey };
}
