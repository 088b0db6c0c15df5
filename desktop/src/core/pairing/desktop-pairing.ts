import {
  ApiError,
  buildPairingLink,
  createApiClient,
  type Api,
  type ApiClient,
  type CallOutput,
  PairingBundle,
} from '../../../../common/contract';
import {
  checkCodeFor,
  CryptoError,
  encodePublicKey,
  fromBase64Url,
  generateBoxKeyPair,
  masterKeyFromBytes,
  openSealedJson,
  wipe,
  type BoxKeyPair,
} from '../../../../common/crypto';
import type { KeyVault } from '../keys/key-vault';
import { saveCredentials } from '../session/credentials';
import type { PairingFailure, PairingState } from './pairing-state';
import { qrSvg } from './qr';

export interface DesktopPairingOptions {
  readonly serverUrl: string;
  readonly vault: KeyVault;
  readonly deviceName: string;
  readonly platform: 'macos' | 'windows' | 'linux';
  /** A fresh QR (new key, new session) this often. */
  readonly rotateEveryMs?: number;
  /** QR codes per attempt before offering Retry (default 6 × 30 s = 3 min). */
  readonly maxRotations?: number;
  readonly fetch?: typeof fetch;
}

class PairingAborted extends Error {}

/**
 * The desktop side of QR linking, as a state machine the UI (or a terminal) renders:
 * starting → showing (QR rotates every ~30 s) → approved → paired, or timed-out / denied / failed.
 *
 * Each QR has its own ephemeral X25519 key; its secret half never leaves this object and is wiped as soon
 * as the session ends. The master key arrives sealed to that key and goes straight into the KeyVault.
 */
export class DesktopPairing {
  private state: PairingState = { kind: 'idle' };
  private readonly listeners = new Set<(state: PairingState) => void>();
  private abort: AbortController | null = null;
  private readonly api: ApiClient;

  constructor(private readonly options: DesktopPairingOptions) {
    this.api = createApiClient({ baseUrl: options.serverUrl, ...(options.fetch ? { fetch: options.fetch } : {}) });
  }

  get current(): PairingState {
    return this.state;
  }

  subscribe(listener: (state: PairingState) => void): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }

  /** Starts (or restarts, for Retry) and resolves with the final state. */
  async start(): Promise<PairingState> {
    this.cancel();
    const abort = new AbortController();
    this.abort = abort;
    this.set({ kind: 'starting' });
    try {
      const final = await this.run(abort.signal);
      this.set(final);
    } catch (error) {
      if (error instanceof PairingAborted || abort.signal.aborted) return this.state;
      this.set(this.failure(error));
    } finally {
      if (this.abort === abort) this.abort = null;
    }
    return this.state;
  }

  cancel(): void {
    this.abort?.abort();
    this.abort = null;
    if (this.state.kind === 'showing' || this.state.kind === 'starting') this.set({ kind: 'idle' });
  }

  private set(state: PairingState): void {
    this.state = state;
    for (const listener of this.listeners) listener(state);
  }

  private async run(signal: AbortSignal): Promise<PairingState> {
    const rotateEveryMs = this.options.rotateEveryMs ?? 30_000;
    const maxRotations = this.options.maxRotations ?? 6;
    for (let rotation = 1; rotation <= maxRotations; rotation++) {
      const keyPair = generateBoxKeyPair();
      try {
        const outcome = await this.showOne(keyPair, rotation, maxRotations, rotateEveryMs, signal);
        if (outcome !== 'rotate') return outcome;
      } finally {
        wipe(keyPair.secretKey);
      }
    }
    return { kind: 'timed-out' };
  }

  /** One QR code's life: show it, wait for the phone, and either finish or ask for the next QR. */
  private async showOne(
    keyPair: BoxKeyPair,
    rotation: number,
    maxRotations: number,
    rotateEveryMs: number,
    signal: AbortSignal,
  ): Promise<PairingState | 'rotate'> {
    const desktopPublicKey = encodePublicKey(keyPair.publicKey);
    const session = await this.api.call(
      'createPairingSession',
      { body: { desktopPublicKey, deviceName: this.options.deviceName, platform: this.options.platform } },
      { signal },
    );
    const link = buildPairingLink({ pairingId: session.pairingId, desktopPublicKey, serverOrigin: session.serverOrigin });
    const rotatesAt = Math.min(Date.now() + rotateEveryMs, Date.parse(session.expiresAt));
    this.set({
      kind: 'showing',
      link,
      qrSvg: await qrSvg(link),
      checkCode: checkCodeFor(keyPair.publicKey),
      pairingCode: session.pairingCode,
      rotatesAt,
      rotation,
      rotationsLeft: maxRotations - rotation,
    });

    const credentials = { pairingId: session.pairingId, pollToken: session.pollToken };
    for (;;) {
      if (signal.aborted) throw new PairingAborted();
      const remaining = rotatesAt - Date.now();
      if (remaining <= 0) {
        // Last look before this QR is dropped: a phone that approved in the final moment still links.
        const last = await this.api.call('confirmPairing', { body: credentials }, { signal });
        if (last.status === 'pending') return 'rotate';
        this.set({ kind: 'approved' });
        return this.openHandover(last, keyPair);
      }
      // The long-poll is cut at the rotation deadline; an approval that lands meanwhile is still seen by
      // the status check below on the next round or by confirm.
      const deadline = AbortSignal.any([signal, AbortSignal.timeout(remaining)]);
      let status: string;
      try {
        status = (await this.api.call('waitForPairing', { body: credentials }, { signal: deadline })).status;
      } catch (error) {
        if (signal.aborted) throw new PairingAborted();
        if (error instanceof ApiError && error.code === 'aborted') continue;
        throw error;
      }
      switch (status) {
        case 'pending':
          continue;
        case 'approved':
          this.set({ kind: 'approved' });
          return this.openHandover(await this.api.call('confirmPairing', { body: credentials }, { signal }), keyPair);
        case 'denied':
          return { kind: 'denied' };
        case 'cancelled':
          return { kind: 'failed', code: 'cancelled', message: 'Pairing was cancelled after too many wrong check codes. Try again.' };
        default:
          return 'rotate';
      }
    }
  }

  /** Opens the sealed bundle from a confirm answer and stores what it holds — or nothing at all. */
  private async openHandover(result: CallOutput<Api['confirmPairing']>, keyPair: BoxKeyPair): Promise<PairingState> {
    if (result.status !== 'approved') return { kind: 'failed', code: 'server_refused', message: 'The server did not hand over the pairing.' };

    let bundle: PairingBundle;
    try {
      const parsed = PairingBundle.safeParse(openSealedJson(result.sealedBundle, keyPair));
      if (!parsed.success || parsed.data.userId !== result.userId) throw new CryptoError('decrypt_failed', 'bundle content');
      bundle = parsed.data;
    } catch {
      // Nothing is stored. The device the server created for us is unlinked again, best effort.
      await createApiClient({ baseUrl: this.options.serverUrl, accessToken: () => result.accessToken, ...(this.options.fetch ? { fetch: this.options.fetch } : {}) })
        .call('revokeDevice', { params: { deviceId: result.deviceId } })
        .catch(() => undefined);
      return {
        kind: 'failed',
        code: 'bundle_invalid',
        message: 'The keys from the phone could not be opened (the pairing data was damaged or tampered with). Nothing was saved. Try again.',
      };
    }

    const masterKey = masterKeyFromBytes(fromBase64Url(bundle.masterKey, 'master key'));
    await this.options.vault.set('master-key', masterKey);
    wipe(masterKey);
    await saveCredentials(this.options.vault, {
      serverUrl: this.options.serverUrl,
      userId: result.userId,
      username: bundle.username,
      deviceId: result.deviceId,
      accessToken: result.accessToken,
      refreshToken: result.refreshToken,
      accessExpiresAt: result.accessExpiresAt,
      refreshExpiresAt: result.refreshExpiresAt,
      ...(result.identityPublicKey && result.wrappedIdentitySecretKey
        ? { identity: { publicKey: result.identityPublicKey, wrappedSecretKey: result.wrappedIdentitySecretKey } }
        : {}),
      ...(result.signingPublicKey && result.wrappedSigningSecretKey
        ? { signing: { publicKey: result.signingPublicKey, wrappedSecretKey: result.wrappedSigningSecretKey } }
        : {}),
    });
    return { kind: 'paired', userId: result.userId, username: bundle.username, deviceId: result.deviceId };
  }

  private failure(error: unknown): PairingState {
    if (error instanceof ApiError) {
      if (error.status === 0) {
        return { kind: 'failed', code: 'network', message: `Cannot reach the server at ${this.options.serverUrl}. Check the connection and retry.` };
      }
      const code: PairingFailure = error.code === 'device_limit' ? 'device_limit' : 'server_refused';
      return { kind: 'failed', code, message: error.message };
    }
    return { kind: 'failed', code: 'server_refused', message: (error as Error).message };
  }
}
