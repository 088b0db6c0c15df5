import type { ParsedEvent } from './event-applier';
import { initialProgress, progressAfter, type SyncProgress } from './sync-progress';

const stats = { chats: 1, messages: 0, bytes: 0 };
const manifest: ParsedEvent = {
  name: 'sync:initial',
  id: 'h9:0:0',
  payload: {
    snapshotSeq: 9,
    lastOpenedChatId: null,
    chats: [],
    plan: { phase1: ['c1'], phase2: ['c2', 'c3'], phase3: [] },
    totals: { chats: 3, messages: 0, bytes: 0, chatsOnServer: 3 },
  },
};
const run = (events: ParsedEvent[], from: SyncProgress = initialProgress()) =>
  events.reduce((p, event, i) => progressAfter(p, event, 1000 + i), from);

describe('progressAfter', () => {
  it('walks the phases: manifest → phase 1 running → done → phase 2 running …', () => {
    const p = run([
      manifest,
      { name: 'phase_1_last_chat_ready', id: 'h9:1:0', payload: stats },
      { name: 'message:sync', id: 'h9:2:0', payload: { phase: 2, messages: [], chatsCompleted: ['c2'] } },
    ]);
    expect(p.totals).toEqual({ chats: 3, messages: 0, bytes: 0 });
    expect([p.phases[1].state, p.phases[2].state, p.phases[3].state]).toEqual(['done', 'running', 'pending']);
    expect([p.phases[1].expectedChats, p.phases[2].expectedChats]).toEqual([1, 2]);
    expect(p.phases[2].chats).toBe(1);
  });

  it('the last chat is readable at its first phase-1 batch, and stays marked at that instant', () => {
    const p = run([
      manifest,
      { name: 'message:sync', id: 'h9:0:200', payload: { phase: 1, messages: [], chatsCompleted: [] } },
      { name: 'message:sync', id: 'h9:1:0', payload: { phase: 1, messages: [], chatsCompleted: ['c1'] } },
      { name: 'phase_1_last_chat_ready', id: 'h9:1:0', payload: stats },
    ]);
    expect(p.lastChatReadyAt).toBe(1001);
    expect(p.phases[1].doneAt).toBe(1003);
  });

  it('a resumed sync past phase 1 (only its ready event re-sent) counts the chat readable then', () => {
    const p = run([{ name: 'phase_1_last_chat_ready', id: 'h9:1:0', payload: stats }]);
    expect(p.lastChatReadyAt).toBe(1000);
  });

  it('a new manifest (a fresh sync started over) clears it until its own first batch', () => {
    const first = run([
      manifest,
      { name: 'message:sync', id: 'h9:0:200', payload: { phase: 1, messages: [], chatsCompleted: [] } },
    ]);
    expect(first.lastChatReadyAt).toBe(1001);
    expect(progressAfter(first, manifest, 5000).lastChatReadyAt).toBeNull();
  });

  it('a live stream never marks it', () => {
    const p = run([
      {
        name: 'connected',
        id: null,
        payload: { deviceId: 'd', serverTime: new Date(0).toISOString(), mode: 'live', cursor: 4 },
      },
    ]);
    expect(p).toMatchObject({ mode: 'live', connectedAt: 1000, lastChatReadyAt: null });
  });
});
