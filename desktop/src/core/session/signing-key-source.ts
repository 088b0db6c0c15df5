import {
  decodeSigningPublicKey,
  encodeSigningPublicKey,
  type SigningKeyPair,
  unwrapSigningKeyPair,
} from '../../../../common/crypto';
import type { DeviceSession } from './device-session';

/** How long a desktop waits before asking the server again for a signing key the account doesn't have yet. */
const RETRY_MS = 60_000;

/**
 * The account's signing key on a desktop: from the credentials (handed over at pairing), else from
 * `GET /me` — for credentials of an older build, and for an account whose phone had not made its key yet
 * when this desktop paired (asked again at most once a minute, when a message is about to be signed).
 * A wrapped secret that doesn't open, or doesn't belong to the published public key, is never used.
 */
export class SigningKeySource {
  private key: SigningKeyPair | null = null;
  private askedAt = -Infinity;

  constructor(private readonly session: DeviceSession) {
    const stored = session.storedSigning;
    if (stored) this.key = this.open(stored.publicKey, stored.wrappedSecretKey);
  }

  /** The key pair, fetched if needed; null while the account has none (messages then go unsigned). */
  async get(now = Date.now()): Promise<SigningKeyPair | null> {
    if (this.key || now - this.askedAt < RETRY_MS) return this.key;
    this.askedAt = now;
    try {
      const me = await this.session.call('me', {});
      if (me.signingPublicKey && me.wrappedSigningSecretKey) {
        this.key = this.open(me.signingPublicKey, me.wrappedSigningSecretKey);
        if (this.key)
          await this.session.rememberSigning({
            publicKey: me.signingPublicKey,
            wrappedSecretKey: me.wrappedSigningSecretKey,
          });
      }
    } catch {
      // Offline: asked again later.
    }
    return this.key;
  }

  /** The public key as the directory publishes it (base64url), when this desktop holds the key pair. */
  get publicKey(): string | null {
    return this.key ? encodeSigningPublicKey(this.key.publicKey) : null;
  }

  clear(): void {
    this.key?.secretKey.fill(0);
    this.key = null;
  }

  private open(publicKey: string, wrapped: string): SigningKeyPair | null {
    try {
      return unwrapSigningKeyPair(
        wrapped,
        this.session.masterKey,
        this.session.userId,
        decodeSigningPublicKey(publicKey),
      );
    } catch {
      return null;
    }
  }
}
