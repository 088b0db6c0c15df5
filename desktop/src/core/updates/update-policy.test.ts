import {
  DEFAULT_UPDATE_POLICY,
  checkFeedUrl,
  type UpdateEvent,
  type UpdatePolicyOptions,
  type UpdateState,
  initialUpdateState,
  isCheckDue,
  mayCheckNow,
  mayInstallNow,
  nextCheckAt,
  reduceUpdate,
  shouldInstallNow,
  updateOffer,
} from './update-policy';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 10, 22, 9, 0, 0);
const options: UpdatePolicyOptions = { startupDelayMs: 1 * MIN, checkIntervalMs: 4 * HOUR, retryBaseMs: 15 * MIN };

function run(state: UpdateState, ...events: UpdateEvent[]): UpdateState {
  return events.reduce(reduceUpdate, state);
}

function readyState(syncActive: boolean): UpdateState {
  return run(
    initialUpdateState(T0, syncActive),
    { type: 'check-started' },
    { type: 'update-available', version: '1.2.0' },
    { type: 'download-progress', percent: 50 },
    { type: 'update-downloaded', version: '1.2.0' },
  );
}

describe('when to check', () => {
  test('the first check is due one start-up delay after start, not before', () => {
    const s = initialUpdateState(T0);
    expect(nextCheckAt(s, options)).toBe(T0 + 1 * MIN);
    expect(isCheckDue(s, T0 + 1 * MIN - 1, options)).toBe(false);
    expect(isCheckDue(s, T0 + 1 * MIN, options)).toBe(true);
  });

  test('after a check finds nothing, the next one is due a full interval after it finished', () => {
    const finishedAt = T0 + 2 * MIN;
    const s = run(initialUpdateState(T0), { type: 'check-started' }, { type: 'update-not-available', at: finishedAt });
    expect(s.phase).toBe('idle');
    expect(nextCheckAt(s, options)).toBe(finishedAt + 4 * HOUR);
  });

  test('failed checks are retried with exponential backoff, capped at the check interval', () => {
    let s = initialUpdateState(T0);
    const delays: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const at = T0 + i * HOUR;
      s = run(s, { type: 'check-started' }, { type: 'error', message: 'offline', at });
      delays.push((nextCheckAt(s, options) ?? NaN) - at);
    }
    expect(delays).toEqual([15 * MIN, 30 * MIN, 60 * MIN, 120 * MIN, 4 * HOUR, 4 * HOUR]);
    expect(s.lastError).toBe('offline');
  });

  test('a successful check after failures resets the backoff', () => {
    const s = run(
      initialUpdateState(T0),
      { type: 'check-started' },
      { type: 'error', message: 'offline', at: T0 },
      { type: 'check-started' },
      { type: 'update-not-available', at: T0 + HOUR },
    );
    expect(s.consecutiveFailures).toBe(0);
    expect(s.lastError).toBeNull();
    expect(nextCheckAt(s, options)).toBe(T0 + HOUR + 4 * HOUR);
  });

  test('one failure reported twice (download error, then the rejected check) counts once', () => {
    const s = run(
      initialUpdateState(T0),
      { type: 'check-started' },
      { type: 'update-available', version: '1.2.0' },
      { type: 'error', message: 'download failed', at: T0 },
      { type: 'error', message: 'Cannot check for updates', at: T0 + 1 },
    );
    expect(s.phase).toBe('idle');
    expect(s.consecutiveFailures).toBe(1);
    expect(nextCheckAt(s, options)).toBe(T0 + 15 * MIN);
  });

  test('no check is scheduled or allowed while checking, downloading, offering or installing', () => {
    const checking = run(initialUpdateState(T0), { type: 'check-started' });
    const downloading = run(checking, { type: 'update-available', version: '1.2.0' });
    const ready = run(downloading, { type: 'update-downloaded', version: '1.2.0' });
    const installing = run(ready, { type: 'install-started' });
    for (const s of [checking, downloading, ready, installing]) {
      expect(nextCheckAt(s, options)).toBeNull();
      expect(isCheckDue(s, T0 + 100 * HOUR, options)).toBe(false);
      expect(mayCheckNow(s)).toBe(false);
    }
    expect(mayCheckNow(initialUpdateState(T0))).toBe(true);
  });

  test('a check started while an update is offered does not replace the offer', () => {
    const ready = readyState(false);
    const s = run(ready, { type: 'check-started' }, { type: 'update-available', version: '1.3.0' });
    expect(s.phase).toBe('ready');
    expect(updateOffer(s)?.version).toBe('1.2.0');
  });

  test('the defaults check shortly after start and then every few hours', () => {
    expect(DEFAULT_UPDATE_POLICY.startupDelayMs).toBeLessThanOrEqual(5 * MIN);
    expect(DEFAULT_UPDATE_POLICY.checkIntervalMs).toBeGreaterThanOrEqual(1 * HOUR);
    expect(DEFAULT_UPDATE_POLICY.checkIntervalMs).toBeLessThanOrEqual(24 * HOUR);
  });
});

describe('downloading and offering', () => {
  test('an available update is downloading with its progress, and is not offered before it is downloaded', () => {
    const s = run(
      initialUpdateState(T0),
      { type: 'check-started' },
      { type: 'update-available', version: '1.2.0' },
      { type: 'download-progress', percent: 42.5 },
    );
    expect(s.phase).toBe('downloading');
    expect(s.version).toBe('1.2.0');
    expect(s.downloadPercent).toBe(42.5);
    expect(updateOffer(s)).toBeNull();
    expect(mayInstallNow(s)).toBe(false);
  });

  test('progress outside 0–100 is clamped', () => {
    const downloading = run(
      initialUpdateState(T0),
      { type: 'check-started' },
      { type: 'update-available', version: '1.2.0' },
    );
    expect(run(downloading, { type: 'download-progress', percent: 140 }).downloadPercent).toBe(100);
    expect(run(downloading, { type: 'download-progress', percent: -3 }).downloadPercent).toBe(0);
  });

  test('a downloaded update is offered and can be installed at once when no sync runs', () => {
    const s = readyState(false);
    expect(s.phase).toBe('ready');
    expect(updateOffer(s)).toEqual({ version: '1.2.0', canInstallNow: true, waitingForSync: false });
    expect(mayInstallNow(s)).toBe(true);
    expect(shouldInstallNow(s)).toBe(false); // nobody accepted yet: it waits for quit or the user
  });

  test('a downloaded update is offered during a sync, but cannot be installed until the sync ends', () => {
    const s = readyState(true);
    expect(updateOffer(s)).toEqual({ version: '1.2.0', canInstallNow: false, waitingForSync: false });
    expect(mayInstallNow(s)).toBe(false);
  });

  test('a dismissed offer stays hidden for that version', () => {
    const s = run(readyState(false), { type: 'user-dismissed' });
    expect(updateOffer(s)).toBeNull();
    expect(s.phase).toBe('ready'); // still installs on quit
  });

  test('an error while an update is offered keeps the offer', () => {
    const s = run(readyState(false), { type: 'error', message: 'late network error', at: T0 });
    expect(s.phase).toBe('ready');
    expect(updateOffer(s)?.version).toBe('1.2.0');
  });
});

describe('installing — never mid-sync', () => {
  test('when the user accepts and no sync runs, the update installs now', () => {
    const s = run(readyState(false), { type: 'user-accepted' });
    expect(shouldInstallNow(s)).toBe(true);
    expect(run(s, { type: 'install-started' }).phase).toBe('installing');
  });

  test('when the user accepts during a sync, the install waits and happens when the sync ends', () => {
    const accepted = run(readyState(true), { type: 'user-accepted' });
    expect(shouldInstallNow(accepted)).toBe(false);
    expect(updateOffer(accepted)).toEqual({ version: '1.2.0', canInstallNow: false, waitingForSync: true });

    const syncEnded = run(accepted, { type: 'sync-activity', syncActive: false });
    expect(shouldInstallNow(syncEnded)).toBe(true);
  });

  test('a sync that starts after the user accepted blocks the install again', () => {
    const s = run(readyState(false), { type: 'user-accepted' }, { type: 'sync-activity', syncActive: true });
    expect(shouldInstallNow(s)).toBe(false);
    expect(mayInstallNow(s)).toBe(false);
  });

  test('install-started is refused while a sync runs', () => {
    const s = run(readyState(true), { type: 'user-accepted' }, { type: 'install-started' });
    expect(s.phase).toBe('ready');
  });

  test('accepting before anything is downloaded does nothing', () => {
    const s = run(
      initialUpdateState(T0),
      { type: 'user-accepted' },
      { type: 'check-started' },
      { type: 'update-available', version: '1.2.0' },
      { type: 'update-downloaded', version: '1.2.0' },
    );
    expect(s.installRequested).toBe(false);
    expect(shouldInstallNow(s)).toBe(false);
  });

  test('if the installer fails to start, the update is offered again and the user must accept again', () => {
    const installing = run(readyState(false), { type: 'user-accepted' }, { type: 'install-started' });
    const s = run(installing, { type: 'error', message: 'spawn failed', at: T0 });
    expect(s.phase).toBe('ready');
    expect(shouldInstallNow(s)).toBe(false);
    expect(updateOffer(s)).toEqual({ version: '1.2.0', canInstallNow: true, waitingForSync: false });
  });

  test('a dismissed offer that the user later accepts is shown as waiting for the sync', () => {
    const s = run(readyState(true), { type: 'user-dismissed' }, { type: 'user-accepted' });
    expect(updateOffer(s)?.waitingForSync).toBe(true);
  });
});

describe('property: random event sequences never install mid-sync', () => {
  // A small deterministic PRNG so a failure is reproducible from the seed in the test name.
  function prng(seed: number): () => number {
    let x = seed >>> 0;
    return () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 0x1_0000_0000;
    };
  }
  const pick = <T>(rand: () => number, items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;

  for (const seed of [1, 7, 42, 1234, 99_991]) {
    test(`seed ${seed}: installing only ever starts from ready with no sync, and checks only from idle`, () => {
      const rand = prng(seed);
      let s = initialUpdateState(T0);
      for (let i = 0; i < 2_000; i += 1) {
        const at = T0 + i * MIN;
        const event: UpdateEvent = pick<UpdateEvent>(rand, [
          { type: 'check-started' },
          { type: 'update-available', version: `1.${i}.0` },
          { type: 'update-not-available', at },
          { type: 'download-progress', percent: rand() * 100 },
          { type: 'update-downloaded', version: `1.${i}.0` },
          { type: 'error', message: 'boom', at },
          { type: 'sync-activity', syncActive: rand() < 0.5 },
          { type: 'user-accepted' },
          { type: 'user-dismissed' },
          { type: 'install-started' },
        ]);
        const before = s;
        s = reduceUpdate(s, event);
        if (s.phase === 'installing' && before.phase !== 'installing') {
          expect(before.phase).toBe('ready');
          expect(before.syncActive).toBe(false);
        }
        if (s.phase === 'checking' && before.phase !== 'checking') expect(before.phase).toBe('idle');
        if (shouldInstallNow(s)) expect(s.syncActive).toBe(false);
        if (nextCheckAt(s, options) !== null) expect(s.phase).toBe('idle');
        if (s.phase === 'installing') s = initialUpdateState(at, s.syncActive); // the app restarted
      }
    });
  }
});

describe('which update feeds are accepted', () => {
  test('an https feed is accepted, without a trailing slash', () => {
    expect(checkFeedUrl('https://updates.symc.app/desktop/stable/')).toEqual({
      ok: true,
      url: 'https://updates.symc.app/desktop/stable',
    });
  });

  test('plain http is refused except on loopback', () => {
    expect(checkFeedUrl('http://updates.symc.app/desktop').ok).toBe(false);
    expect(checkFeedUrl('http://127.0.0.1:8080/feed')).toEqual({ ok: true, url: 'http://127.0.0.1:8080/feed' });
    expect(checkFeedUrl('http://localhost:8080').ok).toBe(true);
  });

  test('other schemes, credentials in the URL and garbage are refused', () => {
    expect(checkFeedUrl('file:///tmp/feed').ok).toBe(false);
    expect(checkFeedUrl('https://user:secret@updates.symc.app/').ok).toBe(false);
    expect(checkFeedUrl('not a url').ok).toBe(false);
    expect(checkFeedUrl('').ok).toBe(false);
  });
});
