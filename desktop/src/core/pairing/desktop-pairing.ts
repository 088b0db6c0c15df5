import {
  ApiError,
  buildPairingLink,
  createApiClient,
  type ApiClient,
  type PairingBundle,
  type PairingHandover,
} from '../../../../common/contract';
import { fromBase64Url, masterKeyFromBytes, wipe } from '../../../../common/crypto';
import type { KeyVault } from '../keys/key-vault';
import { saveCredentials } from '../session/credentials';
import { PairingSecrets } from './pairing-secrets';
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
  /**
   * Hand-overs that fail to open per attempt before giving up (default 3). Each failure is one guess at
   * a check code (a typing mistake, or someone guessing); capping them bounds what a lying server can try.
   */
  readonly maxMismatches?: number;
  readonly fetch?: typeof fetch;
}

class PairingAborted extends Error {}

type ShowOutcome = PairingState | 'rotate' | 'mismatch';

const MISMATCH_NOTICE = 'The code didn’t match. This is a new QR code with new codes: try again.';

/**
 * The desktop side of linking (pairing protocol 2), as a state machine the UI (or a terminal) renders:
 * starting → showing (QR rotates every ~30 s) → approved → paired, or timed-out / denied / failed.
 *
 * Each QR has its own secrets (PairingSecrets: X25519 key, QR secret, check code, CPace scalar); they never
 * leave this object and are wiped as soon as the session ends. The phone's hand-over is opened BEFORE the
 * desktop takes its device: a hand-over that doesn't open (wrong check code, or made by someone who never
 * saw this screen) is reported as rejected, and a new QR with a new code is shown.
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
    const maxMismatches = this.options.maxMismatches ?? 3;
    let mismatches = 0;
    for (let rotation = 1; rotation <= maxRotations; rotation++) {
      const secrets = new PairingSecrets();
      try {
        const notice = mismatches > 0 ? MISMATCH_NOTICE : undefined;
        const outcome = await this.showOne(secrets, { rotation, maxRotations, rotateEveryMs, notice }, signal);
        if (outcome === 'mismatch') {
          mismatches++;
          if (mismatches >= maxMismatches) {
            return {
              kind: 'failed',
              code: 'code_mismatch',
              message: `The code didn’t match ${mismatches} times. Nothing was saved. Try again.`,
            };
          }
          rotation--; // a mismatch isn't the QR running out: the attempt keeps its remaining time
          continue;
        }
        if (outcome !== 'rotate') return outcome;
      } finally {
        secrets.wipe();
      }
    }
    return { kind: 'timed-out' };
  }

  /** One QR code's life: show it, wait for the phone, and either finish or ask for the next QR. */
  private async showOne(
    secrets: PairingSecrets,
    shown: { rotation: number; maxRotations: number; rotateEveryMs: number; notice: string | undefined },
    signal: AbortSignal,
  ): Promise<ShowOutcome> {
    const desktopPublicKey = secrets.desktopPublicKey;
    const session = await this.api.call(
      'createPairingSession',
      {
        body: {
          desktopPublicKey,
          deviceName: this.options.deviceName,
          platform: this.options.platform,
          pake: { sid: secrets.pake.sid, share: secrets.pake.share },
        },
      },
      { signal },
    );
    const link = buildPairingLink({
      pairingId: session.pairingId,
      desktopPublicKey,
      serverOrigin: session.serverOrigin,
      qrSecret: secrets.qrSecret,
    });
    const rotatesAt = Math.min(Date.now() + shown.rotateEveryMs, Date.parse(session.expiresAt));
    this.set({
      kind: 'showing',
      link,
      qrSvg: await qrSvg(link),
      checkCode: secrets.checkCode,
      pairingCode: session.pairingCode,
      ...(shown.notice ? { notice: shown.notice } : {}),
      rotatesAt,
      rotation: shown.rotation,
      rotationsLeft: shown.maxRotations - shown.rotation,
    });

    const credentials = { pairingId: session.pairingId, pollToken: session.pollToken };
    for (;;) {
      if (signal.aborted) throw new PairingAborted();
      const remaining = rotatesAt - Date.now();
      let answer: { status: string; handover?: PairingHandover | undefined };
      if (remaining <= 0) {
        // Last look before this QR is dropped: a phone that approved in the final moment still links.
        answer = await this.api.call('waitForPairing', { body: { ...credentials, peek: true } }, { signal });
        if (answer.status === 'pending') return 'rotate';
      } else {
        // The long-poll is cut at the rotation deadline; an approval that lands meanwhile is still seen by
        // the last look above.
        const deadline = AbortSignal.any([signal, AbortSignal.timeout(remaining)]);
        try {
          answer = await this.api.call('waitForPairing', { body: credentials }, { signal: deadline });
        } catch (error) {
          if (signal.aborted) throw new PairingAborted();
          if (error instanceof ApiError && error.code === 'aborted') continue;
          throw error;
        }
      }
      switch (answer.status) {
        case 'pending':
          continue;
        case 'approved':
          return this.takeHandover(secrets, credentials, answer.handover, signal);
        case 'denied':
          return { kind: 'denied' };
        case 'cancelled':
          return { kind: 'failed', code: 'cancelled', message: 'Pairing was cancelled on the server. Try again.' };
        default:
          return 'rotate';
      }
    }
  }

  /**
   * Opens the phone's hand-over; only if it opens does the desktop confirm (the server then creates the
   * device and its tokens). One that doesn't open is reported as rejected: no device, nothing stored.
   */
  private async takeHandover(
    secrets: PairingSecrets,
    credentials: { pairingId: string; pollToken: string },
    handover: PairingHandover | undefined,
    signal: AbortSignal,
  ): Promise<ShowOutcome> {
    if (!handover) {
      return {
        kind: 'failed',
        code: 'server_refused',
        message: 'The server did not hand over the phone’s keys (is it older than this app?).',
      };
    }
    let bundle: PairingBundle;
    try {
      bundle = secrets.open(handover, credentials.pairingId);
    } catch {
      await this.api.call('rejectPairing', { body: credentials }, { signal }).catch(() => undefined);
      return 'mismatch';
    }
    this.set({ kind: 'approved' });
    const result = await this.api.call('confirmPairing', { body: credentials }, { signal });
    if (result.status !== 'approved')
      return { kind: 'failed', code: 'server_refused', message: 'The server did not hand over the pairing.' };
    if (result.userId !== bundle.userId) {
      // The server names another account than the phone's bundle: unlink what it created, store nothing.
      await this.revokeCreatedDevice(result.accessToken, result.deviceId);
      return {
        kind: 'failed',
        code: 'bundle_invalid',
        message: 'The server linked this desktop to another account than the phone’s. Nothing was saved. Try again.',
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

  private async revokeCreatedDevice(accessToken: string, deviceId: string): Promise<void> {
    await createApiClient({
      baseUrl: this.options.serverUrl,
      accessToken: () => accessToken,
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
    })
      .call('revokeDevice', { params: { deviceId } })
      .catch(() => undefined);
  }

  private failure(error: unknown): PairingState {
    if (error instanceof ApiError) {
      if (error.status === 0) {
        return {
          kind: 'failed',
          code: 'network',
          message: `Cannot reach the server at ${this.options.serverUrl}. Check the connection and retry.`,
        };
      }
      const code: PairingFailure = error.code === 'device_limit' ? 'device_limit' : 'server_refused';
      return { kind: 'failed', code, message: error.message };
    }
    return { kind: 'failed', code: 'server_refused', message: (error as Error).message };
  }
}
