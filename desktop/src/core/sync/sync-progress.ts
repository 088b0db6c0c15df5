import type { SyncPhase } from '../../../../common/contract';
import type { ParsedEvent } from './event-applier';

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
  /** How changes arrive while connected: the stream, or requests while the stream is held back on the way. */
  readonly transport: 'stream' | 'polling';
  readonly mode: 'fresh' | 'resume-fresh' | 'live' | null;
  readonly phases: Readonly<Record<SyncPhase, PhaseProgress>>;
  readonly primed: boolean;
  readonly lastError: string | null;
  readonly totals: { readonly chats: number; readonly messages: number; readonly bytes: number } | null;
  /** When the stream opened (ms since epoch), for phase timings relative to it. */
  readonly connectedAt: number | null;
  /**
   * When the last opened chat became readable: its first phase-1 batch was applied — the newest screenful
   * (`FIRST_SCREEN_MESSAGES`), as history streams newest first, applied in a transaction of its own — or
   * phase 1 ended (an empty chat, or a resume past it). The rest of its history may still be arriving;
   * `phases[1].doneAt` is when all of it is stored. Null on a live start and again at a new manifest.
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
    transport: 'stream',
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

const READY_EVENTS: Record<string, SyncPhase> = {
  phase_1_last_chat_ready: 1,
  phase_2_last_10_chats_ready: 2,
  phase_3_last_100_chats_ready: 3,
};

/** The progress after one applied event (`now`: when it was applied). */
export function progressAfter(progress: SyncProgress, event: ParsedEvent, now: number): SyncProgress {
  let p = progress;
  switch (event.name) {
    case 'connected':
      return { ...p, mode: event.payload.mode, connectedAt: now };
    case 'sync:initial': {
      const plan = event.payload.plan;
      // A new fresh sync (a first one, or one restarted from scratch): its last chat isn't readable yet.
      p = {
        ...p,
        lastChatReadyAt: null,
        totals: {
          chats: event.payload.totals.chats,
          messages: event.payload.totals.messages,
          bytes: event.payload.totals.bytes,
        },
      };
      for (const phase of [1, 2, 3] as const) p = withPhase(p, phase, { expectedChats: plan[`phase${phase}`].length });
      return withPhase(p, 1, { state: 'running', startedAt: now });
    }
    case 'message:sync': {
      const cur = p.phases[event.payload.phase];
      p = withPhase(p, event.payload.phase, {
        state: cur.state === 'done' ? 'done' : 'running',
        startedAt: cur.startedAt ?? now,
        messages: cur.messages + event.payload.messages.length,
        bytes: cur.bytes + event.payload.messages.reduce((n, m) => n + m.ciphertext.length, 0),
        chats: cur.chats + event.payload.chatsCompleted.length,
      });
      // The server sends the last opened chat newest first, its first batch one screen: readable now.
      return event.payload.phase === 1 && p.lastChatReadyAt === null ? { ...p, lastChatReadyAt: now } : p;
    }
    case 'cache_primed':
      return { ...p, primed: true };
    case 'sync:error':
      return { ...p, lastError: event.payload.message };
    default: {
      const phase = READY_EVENTS[event.name];
      if (!phase) return p;
      p = withPhase(p, phase, { state: 'done', doneAt: now, startedAt: p.phases[phase].startedAt ?? now });
      if (phase === 1 && p.lastChatReadyAt === null) p = { ...p, lastChatReadyAt: now };
      if (phase < 3)
        p = withPhase(p, (phase + 1) as SyncPhase, {
          state: 'running',
          startedAt: p.phases[(phase + 1) as SyncPhase].startedAt ?? now,
        });
      return p;
    }
  }
}
