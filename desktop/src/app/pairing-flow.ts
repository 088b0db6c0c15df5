import type { PairingView } from '../../../common/contract';
import type { KeyVault } from '../core/keys/key-vault';
import { DesktopPairing } from '../core/pairing/desktop-pairing';
import { warmUpOnce } from '../core/sync/warm-up';
import { pairingView } from './views';

export interface PairingFlowOptions {
  readonly serverUrl: string;
  readonly vault: KeyVault;
  readonly deviceName: string;
  readonly platform: 'macos' | 'windows' | 'linux';
  readonly fetch?: typeof fetch;
  /** Pairing QR rotation (default 30 s) — shorter in tests. */
  readonly rotateEveryMs?: number;
}

/**
 * The pairing screen's flow: one DesktopPairing at a time (a new start cancels the previous one), its state
 * as the screen shows it, and a callback once the phone approved — the caller then opens the linked core.
 */
export class PairingFlow {
  private pairing: DesktopPairing | null = null;
  private current: PairingView = { kind: 'idle' };

  constructor(
    private readonly options: PairingFlowOptions,
    private readonly onState: (view: PairingView) => void,
    /** `approvedAt`: when this desktop heard of the phone's approval (ms since epoch), for the first sync's times. */
    private readonly onPaired: (approvedAt: number | null) => Promise<void>,
  ) {}

  get view(): PairingView {
    return this.current;
  }

  start(): void {
    this.pairing?.cancel();
    const pairing = new DesktopPairing({
      serverUrl: this.options.serverUrl,
      vault: this.options.vault,
      deviceName: this.options.deviceName,
      platform: this.options.platform,
      ...(this.options.rotateEveryMs ? { rotateEveryMs: this.options.rotateEveryMs } : {}),
      ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
    });
    this.pairing = pairing;
    let approvedAt: number | null = null;
    pairing.subscribe((state) => {
      if (this.pairing !== pairing) return;
      if (state.kind === 'approved') approvedAt ??= Date.now();
      // While the QR is on screen: the first sync's parsing, storing and decrypting, once on made-up data.
      if (state.kind === 'showing') warmUpOnce();
      this.current = pairingView(state);
      this.onState(this.current);
    });
    void pairing.start().then(async (final) => {
      if (this.pairing !== pairing || final.kind !== 'paired') return;
      this.pairing = null;
      await this.onPaired(approvedAt);
    });
  }

  cancel(): void {
    this.pairing?.cancel();
  }

  /** Shutting down: the pairing in progress stops and reports nothing more. */
  stop(): void {
    this.pairing?.cancel();
    this.pairing = null;
  }

  /** Back on the pairing screen after the session ended: nothing shown yet. */
  reset(): void {
    this.current = { kind: 'idle' };
  }
}
