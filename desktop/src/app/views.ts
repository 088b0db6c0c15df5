import type { PairingView, SyncView } from '../../../common/contract';
import type { PairingState } from '../core/pairing/pairing-state';
import type { SyncProgress } from '../core/sync/sync-progress';
import type { FirstSyncTimes } from '../core/sync/first-sync-times';

/** The pairing state as the screen needs it: the QR as an image URL, never a key. */
export function pairingView(state: PairingState): PairingView {
  switch (state.kind) {
    case 'showing':
      return {
        kind: 'showing',
        link: state.link,
        qrImage: `data:image/svg+xml;base64,${Buffer.from(state.qrSvg, 'utf8').toString('base64')}`,
        checkCode: state.checkCode,
        pairingCode: state.pairingCode,
        ...(state.notice ? { notice: state.notice } : {}),
        rotatesAt: state.rotatesAt,
        rotation: state.rotation,
        rotationsLeft: state.rotationsLeft,
      };
    case 'paired':
      return { kind: 'paired', username: state.username };
    case 'failed':
      return { kind: 'failed', code: state.code, message: state.message };
    default:
      return { kind: state.kind };
  }
}

export function syncView(
  progress: SyncProgress,
  outboxPending: number,
  firstSync: FirstSyncTimes | null = null,
): SyncView {
  return {
    connection: progress.connection,
    transport: progress.transport,
    mode: progress.mode,
    phases: ([1, 2, 3] as const).map((phase) => {
      const p = progress.phases[phase];
      return { phase, state: p.state, chats: p.chats, expectedChats: p.expectedChats, messages: p.messages };
    }),
    primed: progress.primed,
    lastError: progress.lastError,
    outboxPending,
    firstChatReadyMs: firstSync?.firstChatReadyMs ?? null,
    completeMs: firstSync?.completeMs ?? null,
  };
}
