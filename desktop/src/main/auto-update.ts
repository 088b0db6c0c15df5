/**
 * Electron side of auto-update: wires electron-updater's autoUpdater to the plain-Node policy in
 * core/updates/update-policy.ts. All decisions (when to check, when an update is offered, when it may be
 * installed) live in the policy and are tested there; this file only translates events and runs timers.
 *
 * The feed is the `publish` entry of electron-builder.yml (generic provider), which electron-builder writes
 * into resources/app-update.yml at build time. `options.feedUrl`, then the SYMC_UPDATE_URL environment
 * variable, override it at run time (staging feeds, testing a release from a local server).
 *
 * Install on quit: autoInstallOnAppQuit stays true. Quitting ends a running sync anyway (the main process
 * stops the sync engine in before-quit), and the installer only runs after the app has exited, so an
 * install on quit never interrupts a sync that would otherwise have continued. What the policy forbids is
 * the app *restarting itself* for an update while a sync runs: quitAndInstall is only called when the user
 * accepted and the sync engine reports no sync.
 */
import { app } from 'electron';
import {
  type AppUpdater,
  autoUpdater as defaultUpdater,
  type ProgressInfo,
  type UpdateDownloadedEvent,
  type UpdateInfo,
} from 'electron-updater';

import {
  DEFAULT_UPDATE_POLICY,
  type UpdateEvent,
  type UpdateOffer,
  type UpdatePhase,
  type UpdatePolicyOptions,
  type UpdateState,
  checkFeedUrl,
  initialUpdateState,
  mayCheckNow,
  nextCheckAt,
  reduceUpdate,
  shouldInstallNow,
  updateOffer,
} from '../core/updates/update-policy';

export interface AutoUpdateLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface AutoUpdateOptions {
  /** Whether a sync is running right now; later changes go through `setSyncActive`. */
  readonly syncActive?: boolean;
  /** Overrides the feed from app-update.yml and SYMC_UPDATE_URL. Must be https (or http on loopback). */
  readonly feedUrl?: string;
  readonly policy?: Partial<UpdatePolicyOptions>;
  readonly logger?: AutoUpdateLogger;
  /** Called after every change, e.g. to push the offer to the renderer over IPC. */
  readonly onStatus?: (status: AutoUpdateStatus) => void;
  /**
   * The electron-updater instance; default its `autoUpdater` (NSIS, Mac, AppImage, deb or rpm updater by
   * platform and package type). Tests pass a specific one (e2e/electron-updates.e2e.test.ts).
   */
  readonly updater?: AppUpdater;
}

export interface AutoUpdateStatus {
  /** False in development (app not packaged) or when the configured feed was refused. */
  readonly enabled: boolean;
  readonly phase: UpdatePhase;
  readonly version: string | null;
  readonly downloadPercent: number | null;
  readonly offer: UpdateOffer | null;
  readonly lastError: string | null;
}

export interface AutoUpdates {
  status(): AutoUpdateStatus;
  /** Report from the sync engine. Ending a sync may trigger an install the user already accepted. */
  setSyncActive(active: boolean): void;
  /** The user clicked "Restart to update": installs now, or as soon as the running sync ends. */
  accept(): void;
  /** The user closed the offer; the update still installs on the next quit. */
  dismiss(): void;
  /** "Check for updates" from a menu; ignored while a check, download or offer is in progress. */
  checkNow(): void;
  /** Stops timers and event listeners (app shutdown, tests). */
  stop(): void;
}

const DISABLED_STATUS: AutoUpdateStatus = {
  enabled: false,
  phase: 'idle',
  version: null,
  downloadPercent: null,
  offer: null,
  lastError: null,
};

/** setTimeout fires at once for delays above 2^31-1 ms (~24.8 days). */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

function disabledUpdates(lastError: string | null): AutoUpdates {
  const status: AutoUpdateStatus = { ...DISABLED_STATUS, lastError };
  return {
    status: () => status,
    setSyncActive: () => undefined,
    accept: () => undefined,
    dismiss: () => undefined,
    checkNow: () => undefined,
    stop: () => undefined,
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Starts background update checks. Call once, after app 'ready'. Does nothing (returns a disabled
 * controller) when the app is not packaged: a development build has no app-update.yml and must not update.
 */
export function startAutoUpdates(options: AutoUpdateOptions = {}): AutoUpdates {
  if (!app.isPackaged) return disabledUpdates(null);
  const autoUpdater = options.updater ?? defaultUpdater;

  const logger: AutoUpdateLogger = options.logger ?? console;
  const policy: UpdatePolicyOptions = { ...DEFAULT_UPDATE_POLICY, ...options.policy };

  const feedOverride = options.feedUrl ?? process.env['SYMC_UPDATE_URL'];
  if (feedOverride !== undefined && feedOverride.trim() !== '') {
    const feed = checkFeedUrl(feedOverride);
    if (!feed.ok) {
      logger.error(`auto-update disabled: update feed refused (${feed.reason})`);
      return disabledUpdates(`update feed refused: ${feed.reason}`);
    }
    autoUpdater.setFeedURL({ provider: 'generic', url: feed.url, channel: 'latest' });
  }

  autoUpdater.logger = logger;
  autoUpdater.autoDownload = true;
  autoUpdater.autoInstallOnAppQuit = true;
  autoUpdater.allowDowngrade = false;

  let state: UpdateState = initialUpdateState(Date.now(), options.syncActive ?? false);
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  const status = (): AutoUpdateStatus => ({
    enabled: true,
    phase: state.phase,
    version: state.version,
    downloadPercent: state.downloadPercent,
    offer: updateOffer(state),
    lastError: state.lastError,
  });

  const dispatch = (event: UpdateEvent): void => {
    if (stopped) return;
    const next = reduceUpdate(state, event);
    if (next === state) return;
    state = next;
    if (shouldInstallNow(state)) {
      install();
      return;
    }
    schedule();
    options.onStatus?.(status());
  };

  const install = (): void => {
    state = reduceUpdate(state, { type: 'install-started' });
    options.onStatus?.(status());
    logger.info(`auto-update: restarting into ${state.version ?? 'the downloaded update'}`);
    // Silent for the one-click NSIS installer, and relaunch the app afterwards.
    try {
      autoUpdater.quitAndInstall(true, true);
    } catch (error) {
      dispatch({ type: 'error', message: errorMessage(error), at: Date.now() });
    }
  };

  const check = (): void => {
    if (stopped || !mayCheckNow(state)) return;
    dispatch({ type: 'check-started' });
    autoUpdater
      .checkForUpdates()
      .then((result) => {
        // null: electron-updater considers itself inactive. Count it as a failed check so the next
        // attempt backs off instead of firing again at once.
        if (result === null) dispatch({ type: 'error', message: 'updater inactive', at: Date.now() });
        // Download failures are reported through the 'error' event; the promise must not go unhandled.
        result?.downloadPromise?.catch(() => undefined);
      })
      .catch((error: unknown) => dispatch({ type: 'error', message: errorMessage(error), at: Date.now() }));
  };

  const schedule = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    const due = nextCheckAt(state, policy);
    if (due === null || stopped) return;
    timer = setTimeout(check, Math.min(Math.max(0, due - Date.now()), MAX_TIMER_DELAY_MS));
    timer.unref();
  };

  const listeners = {
    'checking-for-update': () => dispatch({ type: 'check-started' }),
    'update-available': (info: UpdateInfo) => dispatch({ type: 'update-available', version: info.version }),
    'update-not-available': () => dispatch({ type: 'update-not-available', at: Date.now() }),
    'download-progress': (progress: ProgressInfo) => dispatch({ type: 'download-progress', percent: progress.percent }),
    'update-downloaded': (event: UpdateDownloadedEvent) =>
      dispatch({ type: 'update-downloaded', version: event.version }),
    'update-cancelled': () => dispatch({ type: 'error', message: 'update cancelled', at: Date.now() }),
    error: (error: Error) => dispatch({ type: 'error', message: errorMessage(error), at: Date.now() }),
  } as const;

  autoUpdater.on('checking-for-update', listeners['checking-for-update']);
  autoUpdater.on('update-available', listeners['update-available']);
  autoUpdater.on('update-not-available', listeners['update-not-available']);
  autoUpdater.on('download-progress', listeners['download-progress']);
  autoUpdater.on('update-downloaded', listeners['update-downloaded']);
  autoUpdater.on('update-cancelled', listeners['update-cancelled']);
  autoUpdater.on('error', listeners.error);

  schedule();

  return {
    status,
    setSyncActive: (active) => dispatch({ type: 'sync-activity', syncActive: active }),
    accept: () => dispatch({ type: 'user-accepted' }),
    dismiss: () => dispatch({ type: 'user-dismissed' }),
    checkNow: check,
    stop: () => {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      autoUpdater.off('checking-for-update', listeners['checking-for-update']);
      autoUpdater.off('update-available', listeners['update-available']);
      autoUpdater.off('update-not-available', listeners['update-not-available']);
      autoUpdater.off('download-progress', listeners['download-progress']);
      autoUpdater.off('update-downloaded', listeners['update-downloaded']);
      autoUpdater.off('update-cancelled', listeners['update-cancelled']);
      autoUpdater.off('error', listeners.error);
    },
  };
}
