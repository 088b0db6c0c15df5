import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalStore } from '../store/local-store';
import { FirstSyncClock } from './first-sync-times';
import { initialProgress } from './sync-progress';

describe('FirstSyncClock', () => {
  let dir: string;
  let store: LocalStore;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-first-sync-'));
    store = LocalStore.open(path.join(dir, 'local.db'));
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts both moments from the approval, once each, and keeps them across a restart', () => {
    const clock = new FirstSyncClock(store);
    expect(clock.times).toBeNull(); // linked before these were kept
    clock.approved(1_000);
    expect(clock.times).toEqual({ firstChatReadyMs: null, completeMs: null });
    clock.observe({ ...initialProgress(), lastChatReadyAt: 1_250 }, 1_300);
    clock.observe({ ...initialProgress(), lastChatReadyAt: 1_900, primed: true }, 4_000);
    // A later progress moves neither.
    clock.observe({ ...initialProgress(), lastChatReadyAt: 9_000, primed: true }, 9_000);
    expect(clock.times).toEqual({ firstChatReadyMs: 250, completeMs: 3_000 });
    expect(new FirstSyncClock(store).times).toEqual({ firstChatReadyMs: 250, completeMs: 3_000 });
  });

  it('reads a damaged or foreign stored value as nothing kept', () => {
    store.setState('first_sync', '{"approvedAt":"soon"}');
    expect(new FirstSyncClock(store).times).toBeNull();
    store.setState('first_sync', 'not json');
    expect(new FirstSyncClock(store).times).toBeNull();
  });
});
