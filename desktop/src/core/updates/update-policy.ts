import { backoffDelay } from '../../../../common/retry/backoff';

/**
 * When to look for, offer and install app updates. Plain data in, plain data out: no Electron, no timers,
 * no clock of its own — the Electron adapter (desktop/src/main/auto-update.ts) feeds it electron-updater's
 * events, the sync engine's `syncActive` and the user's choices, and asks it what to do next.
 *
 * Invariants:
 * - An update is never installed while a sync is running. The user may accept an update mid-sync; the
 *   install then waits until the sync engine reports `syncActive: false`.
 * - Checks run in the background: once shortly after start, then every `checkIntervalMs` after the last
 *   finished check; a failed check is retried with exponential backoff (capped at the interval).
 * - While an update is downloading, downloaded (offered) or installing, no further checks are scheduled:
 *   electron-updater would start replacing the downloaded file under the offer. The next start checks again.
 */

export interface UpdatePolicyOptions {
  /** Delay before the first check after start, so start-up and the first sync connect go first. */
  readonly startupDelayMs: number;
  /** Time between the end of one successful check and the start of the next. */
  readonly checkIntervalMs: number;
  /** First retry delay after a failed check; doubles with each consecutive failure. */
  readonly retryBaseMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const DEFAULT_UPDATE_POLICY: UpdatePolicyOptions = {
  startupDelayMs: 1 * MINUTE,
  checkIntervalMs: 4 * HOUR,
  retryBaseMs: 15 * MINUTE,
};

export type UpdatePhase =
  /** Nothing to do until the next scheduled check. */
  | 'idle'
  | 'checking'
  /** A newer version exists and electron-updater is downloading it (autoDownload). */
  | 'downloading'
  /** Downloaded and verified: offered to the user; installed on quit or when accepted and no sync runs. */
  | 'ready'
  /** quitAndInstall was called; the app is about to quit. */
  | 'installing';

export interface UpdateState {
  readonly phase: UpdatePhase;
  /** Reported by the sync engine. */
  readonly syncActive: boolean;
  /** The version being downloaded, ready or installing; null in idle/checking. */
  readonly version: string | null;
  /** 0–100 while downloading. */
  readonly downloadPercent: number | null;
  readonly startedAt: number;
  readonly lastCheckFinishedAt: number | null;
  readonly consecutiveFailures: number;
  readonly lastError: string | null;
  /** The user asked to restart into the ready update; honoured as soon as no sync is active. */
  readonly installRequested: boolean;
  /** The user closed the offer for this version; it still installs on quit. */
  readonly dismissedVersion: string | null;
}

export type UpdateEvent =
  | { readonly type: 'check-started' }
  | { readonly type: 'update-available'; readonly version: string }
  | { readonly type: 'update-not-available'; readonly at: number }
  | { readonly type: 'download-progress'; readonly percent: number }
  | { readonly type: 'update-downloaded'; readonly version: string }
  | { readonly type: 'error'; readonly message: string; readonly at: number }
  | { readonly type: 'sync-activity'; readonly syncActive: boolean }
  | { readonly type: 'user-accepted' }
  | { readonly type: 'user-dismissed' }
  | { readonly type: 'install-started' };

/** What the UI shows: a "Restart to update" offer, or nothing. */
export interface UpdateOffer {
  readonly version: string;
  /** False while a sync runs: the button says the restart waits for the sync to finish. */
  readonly canInstallNow: boolean;
  /** The user already accepted; the app restarts when the running sync finishes. */
  readonly waitingForSync: boolean;
}

export function initialUpdateState(now: number, syncActive = false): UpdateState {
  return {
    phase: 'idle',
    syncActive,
    version: null,
    downloadPercent: null,
    startedAt: now,
    lastCheckFinishedAt: null,
    consecutiveFailures: 0,
    lastError: null,
    installRequested: false,
    dismissedVersion: null,
  };
}

export function reduceUpdate(state: UpdateState, event: UpdateEvent): UpdateState {
  switch (event.type) {
    case 'check-started':
      // A check cannot replace an update that is already on its way or offered (see invariants).
      return state.phase === 'idle' ? { ...state, phase: 'checking' } : state;

    case 'update-available':
      if (state.phase !== 'idle' && state.phase !== 'checking') return state;
      return { ...state, phase: 'downloading', version: event.version, downloadPercent: 0 };

    case 'update-not-available':
      if (state.phase !== 'idle' && state.phase !== 'checking') return state;
      return { ...state, phase: 'idle', lastCheckFinishedAt: event.at, consecutiveFailures: 0, lastError: null };

    case 'download-progress':
      if (state.phase !== 'downloading') return state;
      return { ...state, downloadPercent: Math.max(0, Math.min(100, event.percent)) };

    case 'update-downloaded':
      if (state.phase === 'ready' || state.phase === 'installing') return state;
      return {
        ...state,
        phase: 'ready',
        version: event.version,
        downloadPercent: null,
        consecutiveFailures: 0,
        lastError: null,
        installRequested: false,
      };

    case 'error':
      switch (state.phase) {
        case 'checking':
        case 'downloading':
          return {
            ...state,
            phase: 'idle',
            version: null,
            downloadPercent: null,
            lastCheckFinishedAt: event.at,
            consecutiveFailures: state.consecutiveFailures + 1,
            lastError: event.message,
          };
        case 'installing':
          // The installer did not start: the update is still downloaded; offer it again, ask again.
          return { ...state, phase: 'ready', installRequested: false, lastError: event.message };
        case 'idle':
        case 'ready':
          // electron-updater may report one failure twice (download error, then the check's rejection):
          // only the first one, seen while checking/downloading, counts towards the backoff.
          return { ...state, lastError: event.message };
      }

    case 'sync-activity':
      return { ...state, syncActive: event.syncActive };

    case 'user-accepted':
      return state.phase === 'ready' ? { ...state, installRequested: true } : state;

    case 'user-dismissed':
      return state.phase === 'ready' ? { ...state, dismissedVersion: state.version } : state;

    case 'install-started':
      return mayInstallNow(state) ? { ...state, phase: 'installing' } : state;
  }
}

/** When the next background check is due (ms since epoch), or null when no check may start. */
export function nextCheckAt(state: UpdateState, options: UpdatePolicyOptions = DEFAULT_UPDATE_POLICY): number | null {
  if (state.phase !== 'idle') return null;
  if (state.lastCheckFinishedAt === null) return state.startedAt + options.startupDelayMs;
  if (state.consecutiveFailures > 0) {
    return (
      state.lastCheckFinishedAt +
      backoffDelay(state.consecutiveFailures, { initialMs: options.retryBaseMs, maxMs: options.checkIntervalMs })
    );
  }
  return state.lastCheckFinishedAt + options.checkIntervalMs;
}

export function isCheckDue(
  state: UpdateState,
  now: number,
  options: UpdatePolicyOptions = DEFAULT_UPDATE_POLICY,
): boolean {
  const due = nextCheckAt(state, options);
  return due !== null && now >= due;
}

/** A user-initiated "Check for updates" may start whenever no check/download/offer is in progress. */
export function mayCheckNow(state: UpdateState): boolean {
  return state.phase === 'idle';
}

/** The single rule for installing: a downloaded update, and no sync running. */
export function mayInstallNow(state: UpdateState): boolean {
  return state.phase === 'ready' && !state.syncActive;
}

/** True when the adapter should call quitAndInstall now: the user accepted and the sync (if any) is over. */
export function shouldInstallNow(state: UpdateState): boolean {
  return state.installRequested && mayInstallNow(state);
}

export function updateOffer(state: UpdateState): UpdateOffer | null {
  if (state.phase !== 'ready' || state.version === null) return null;
  if (state.dismissedVersion === state.version && !state.installRequested) return null;
  return {
    version: state.version,
    canInstallNow: !state.syncActive,
    waitingForSync: state.installRequested && state.syncActive,
  };
}

export type FeedUrlCheck =
  { readonly ok: true; readonly url: string } | { readonly ok: false; readonly reason: string };

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The update feed decides which code this app runs next, so it must be HTTPS. Plain HTTP is accepted only
 * on loopback, for testing a feed served from the release machine. (Windows and macOS also verify the
 * downloaded installer's signature; Linux AppImage/deb/rpm updates rely on the transport alone.)
 */
export function checkFeedUrl(raw: string): FeedUrlCheck {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { ok: false, reason: 'not a URL' };
  }
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'credentials in the URL' };
  if (url.protocol === 'https:') return { ok: true, url: url.toString().replace(/\/+$/, '') };
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))
    return { ok: true, url: url.toString().replace(/\/+$/, '') };
  return { ok: false, reason: `${url.protocol} feeds are refused; use https` };
}
