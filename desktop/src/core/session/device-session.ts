import {
  type ApiClient,
  ApiError,
  type Api,
  type CallInput,
  type CallOutput,
  createApiClient,
  type RouteName,
} from '../../../../common/contract';
import type { MasterKey } from '../../../../common/crypto';
import type { KeyVault } from '../keys/key-vault';
import { type DeviceCredentials, loadCredentials, loadMasterKey, saveCredentials } from './credentials';

/**
 * How a session ended: `revoked` — this device was unlinked (by the phone, or the server); `signed-out` —
 * the user signed this desktop out; `expired` — its refresh token ran out (not used for the refresh TTL);
 * `ended` — the server refused its refresh token for good (signed out elsewhere, or revoked because a
 * refresh token was used twice). All four are final: the desktop stops and must be linked again.
 */
export type SessionEndType = 'revoked' | 'signed-out' | 'expired' | 'ended';
export type SessionEvent = { type: SessionEndType };

/**
 * The signed-in desktop device: calls the API with its access token, refreshes it when it expires
 * (one refresh at a time, however many calls notice), persists rotated tokens, and — when the server
 * says the device was unlinked, or refuses its refresh token for good (expired, ended) — wipes its
 * credentials and keys and tells its listeners why, so they wipe the rest and stop retrying.
 */
export class DeviceSession {
  private refreshing: Promise<void> | null = null;
  private ended = false;
  private readonly listeners = new Set<(event: SessionEvent) => void>();
  private readonly api: ApiClient;

  private constructor(
    private credentials: DeviceCredentials,
    readonly masterKey: MasterKey,
    private readonly vault: KeyVault,
    fetchImpl?: typeof fetch,
  ) {
    this.api = createApiClient({
      baseUrl: credentials.serverUrl,
      accessToken: () => this.credentials.accessToken,
      ...(fetchImpl ? { fetch: fetchImpl } : {}),
    });
  }

  static async restore(vault: KeyVault, fetchImpl?: typeof fetch): Promise<DeviceSession | null> {
    const [credentials, masterKey] = await Promise.all([loadCredentials(vault), loadMasterKey(vault)]);
    if (!credentials || !masterKey) return null;
    return new DeviceSession(credentials, masterKey, vault, fetchImpl);
  }

  get userId(): string {
    return this.credentials.userId;
  }
  get username(): string {
    return this.credentials.username;
  }
  get deviceId(): string {
    return this.credentials.deviceId;
  }
  get serverUrl(): string {
    return this.credentials.serverUrl;
  }
  get accessToken(): string {
    return this.credentials.accessToken;
  }
  /** The identity key pair as stored with the credentials (public key, secret wrapped under the master key). */
  get storedIdentity(): DeviceCredentials['identity'] | null {
    return this.credentials.identity ?? null;
  }
  async rememberIdentity(identity: NonNullable<DeviceCredentials['identity']>): Promise<void> {
    this.credentials = { ...this.credentials, identity };
    await saveCredentials(this.vault, this.credentials);
  }

  /** The signing key as stored with the credentials (public key, secret wrapped under the master key). */
  get storedSigning(): DeviceCredentials['signing'] | null {
    return this.credentials.signing ?? null;
  }
  async rememberSigning(signing: NonNullable<DeviceCredentials['signing']>): Promise<void> {
    this.credentials = { ...this.credentials, signing };
    await saveCredentials(this.vault, this.credentials);
  }

  onEvent(listener: (event: SessionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async call<N extends RouteName>(
    name: N,
    input: CallInput<Api[N]>,
    options: { signal?: AbortSignal } = {},
  ): Promise<CallOutput<Api[N]>> {
    try {
      return await this.api.call(name, input, options);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.code === 'device_revoked') {
        await this.wipe(revokedEnd(error));
        throw error;
      }
      // A 401 other than an expired access token: the session was ended server-side. The refresh says for
      // good (and why), or hands a new pair (a server that lost track of the access token only).
      if (error.code !== 'token_expired' && !(error.status === 401 && error.code === 'unauthenticated')) throw error;
      await this.refresh();
      return this.api.call(name, input, options);
    }
  }

  /** Refreshes the token pair now (also used before opening a stream with a token about to expire). */
  async refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const tokens = await this.api.call('refresh', { body: { refreshToken: this.credentials.refreshToken } });
        this.credentials = { ...this.credentials, ...tokens };
        await saveCredentials(this.vault, this.credentials);
      } catch (error) {
        if (error instanceof ApiError && error.code === 'device_revoked') await this.wipe(revokedEnd(error));
        // Any 401 of the refresh route is final: retrying the same refresh token can never succeed.
        else if (error instanceof ApiError && error.status === 401)
          await this.wipe(error.reason === 'expired' ? 'expired' : 'ended');
        throw error;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  /** Unlink this desktop (the user's "log out"): the server forgets the device, then everything local goes. */
  async signOut(): Promise<void> {
    try {
      await this.api.call('revokeDevice', { params: { deviceId: this.deviceId } });
    } catch (error) {
      // Unreachable server or already unlinked: the local wipe must happen regardless.
      if (!(error instanceof ApiError)) throw error;
    }
    await this.wipe('signed-out');
  }

  private async wipe(reason: SessionEndType): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.vault.wipe();
    this.masterKey.fill(0);
    for (const listener of this.listeners) listener({ type: reason });
  }
}

/** Unlinked by the server for inactivity reads as expired (unused too long); by a user, as revoked. */
function revokedEnd(error: ApiError): SessionEndType {
  return error.reason === 'inactive' ? 'expired' : 'revoked';
}
