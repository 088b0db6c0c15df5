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

/** The family's current refresh token, as the refresh found it. */
export interface CurrentRefresh {
  readonly id: string;
  readonly refreshTokenHash: string;
  readonly refreshExpiresAt: Date;
}

/**
 * Refresh rotates both tokens of the family (the Session row): the presented refresh token stops working
 * the moment a new pair is issued, and is kept as spent, so presenting it again is recognised as reuse.
 * Only the request that still finds the presented token current rotates (compare-and-swap): of two
 * refreshes racing with one token, the second gets null — it presented a spent token.
 */
export async function rotateSession(tx: Tx, current: CurrentRefresh, ttls: TokenTtls): Promise<AuthTokens | null> {
  const { tokens, stored } = tokenPair(ttls);
  const { count } = await tx.session.updateMany({
    where: { id: current.id, refreshTokenHash: current.refreshTokenHash, revokedAt: null },
    data: stored,
  });
  if (count === 0) return null;
  const now = new Date();
  await tx.spentRefreshToken.create({
    data: { tokenHash: current.refreshTokenHash, sessionId: current.id, expiresAt: current.refreshExpiresAt },
  });
  // A spent token past its expiry would be refused as expired anyway: no need to remember it.
  await tx.spentRefreshToken.deleteMany({ where: { expiresAt: { lt: now } } });
  return tokens;
}
