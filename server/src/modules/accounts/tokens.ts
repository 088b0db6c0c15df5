import { randomId, randomToken, sha256Hex } from '../../../../common/crypto';
import type { AuthTokens } from '../../../../common/contract';
import type { Tx } from '../../db/client';

export interface TokenTtls {
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
}

function tokenPair(ttls: TokenTtls) {
  const now = Date.now();
  const accessToken = randomToken();
  const refreshToken = randomToken();
  const accessExpiresAt = new Date(now + ttls.accessTokenTtlSeconds * 1000);
  const refreshExpiresAt = new Date(now + ttls.refreshTokenTtlSeconds * 1000);
  return {
    tokens: {
      accessToken,
      refreshToken,
      accessExpiresAt: accessExpiresAt.toISOString(),
      refreshExpiresAt: refreshExpiresAt.toISOString(),
    } satisfies AuthTokens,
    // Only hashes are stored: a database leak yields no usable token.
    stored: {
      accessTokenHash: sha256Hex(accessToken),
      refreshTokenHash: sha256Hex(refreshToken),
      accessExpiresAt,
      refreshExpiresAt,
    },
  };
}

export async function openSession(tx: Tx, deviceId: string, ttls: TokenTtls): Promise<AuthTokens> {
  const { tokens, stored } = tokenPair(ttls);
  await tx.session.create({ data: { id: randomId(), deviceId, ...stored } });
  return tokens;
}

/** Refresh rotates both tokens: the old refresh token stops working the moment a new pair is issued. */
export async function rotateSession(tx: Tx, sessionId: string, ttls: TokenTtls): Promise<AuthTokens> {
  const { tokens, stored } = tokenPair(ttls);
  await tx.session.update({ where: { id: sessionId }, data: stored });
  return tokens;
}
