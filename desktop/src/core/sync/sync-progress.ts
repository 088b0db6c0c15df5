import type { SyncPhase } from '../../../../common/contract';

export type PhaseState = 'pending' | 'running' | 'done';

export interface PhaseProgress {
  readonly state: PhaseState;
  readonly chats: number;
  readonly messages: number;
  readonly bytes: number;
  /** Expected totals from the manifest (chats of this phase). */
  readonly expectedChats: number;
  readonly startedAt: number | null;
  readonly doneAt: number | null;
}

/** What the UI renders as the sync progress: one bar per phase, then "live". */
export interface SyncProgress {
  readonly connection: 'connecting' | 'connected' | 'offline' | 'revoked' | 'stopped';
  readonly mode: 'fresh' | 'resume-fresh' | 'live' | null;
  readonly phases: Readonly<Record<SyncPhase, PhaseProgress>>;
  readonly primed: boolean;
  readonly lastError: string | null;
  readonly totals: { readonly chats: number; readonly messages: number; readonly bytes: number } | null;
  /** When the stream opened (ms since epoch), for phase timings relative to it. */
  readonly connectedAt: number | null;
  /**
   * When the last opened chat became readable: its first phase-1 batch was stored — the newest screenful
   * (`FIRST_SCREEN_MESSAGES`), as history streams newest first — or phase 1 ended (an empty chat). The
   * rest of its history may still be arriving; `phases[1].doneAt` is when all of it is stored.
   */
  readonly lastChatReadyAt: number | null;
}

const emptyPhase = (expectedChats = 0): PhaseProgress => ({
  state: 'pending',
  chats: 0,
  messages: 0,
  bytes: 0,
  expectedChats,
  startedAt: null,
  doneAt: null,
});

export function initialProgress(): SyncProgress {
  return {
    connection: 'connecting',
    mode: null,
    phases: { 1: emptyPhase(), 2: emptyPhase(), 3: emptyPhase() },
    primed: false,
    lastError: null,
    totals: null,
    connectedAt: null,
    lastChatReadyAt: null,
  };
}

export function withPhase(progress: SyncProgress, phase: SyncPhase, update: Partial<PhaseProgress>): SyncProgress {
  return { ...progress, phases: { ...progress.phases, [phase]: { ...progress.phases[phase], ...update } } };
}
