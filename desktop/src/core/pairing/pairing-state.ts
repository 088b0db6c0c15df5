/** What the pairing screen shows. Published by DesktopPairing on every change. */
export type PairingState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'starting' }
  | {
      readonly kind: 'showing';
      readonly link: string;
      readonly qrSvg: string;
      /** The typed-code path's secret: random, made here, never sent to the server. */
      readonly checkCode: string;
      readonly pairingCode: string;
      /** Why this QR replaced the last one early (the phone's code did not match). */
      readonly notice?: string;
      /** When this QR is replaced by a fresh one (ms since epoch). */
      readonly rotatesAt: number;
      /** 1-based count of QR codes shown in this attempt, and how many may still follow. */
      readonly rotation: number;
      readonly rotationsLeft: number;
    }
  | { readonly kind: 'approved' }
  | { readonly kind: 'paired'; readonly userId: string; readonly username: string; readonly deviceId: string }
  | { readonly kind: 'timed-out' }
  | { readonly kind: 'denied' }
  | { readonly kind: 'failed'; readonly code: PairingFailure; readonly message: string };

export type PairingFailure =
  'network' | 'bundle_invalid' | 'code_mismatch' | 'cancelled' | 'server_refused' | 'device_limit';
