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

export type SessionEvent = { type: 'revoked' } | { type: 'signed-out' };

/**
 * The signed-in desktop device: calls the API with its access token, refreshes it when it expires
 * (one refresh at a time, however many calls notice), persists rotated tokens, and — when the server
 * says the device was unlinked — wipes its credentials and keys and tells its listeners to wipe the rest.
 */
export class DeviceSession {
  private refreshing: Promise<void> | null = null;
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
        await this.wipe('revoked');
        throw error;
      }
      if (error.code !== 'token_expired') throw error;
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
        if (error instanceof ApiError && error.code === 'device_revoked') await this.wipe('revoked');
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

  private async wipe(reason: 'revoked' | 'signed-out'): Promise<void> {
    await this.vault.wipe();
    this.masterKey.fill(0);
    for (const listener of this.listeners) listener({ type: reason });
  }
}
