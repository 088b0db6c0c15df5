import type { UpdateView } from '../../common/contract/ipc';
import {
  initialUpdateState,
  reduceUpdate,
  shouldInstallNow,
  type UpdateEvent,
  type UpdateState,
  updateOffer,
} from '../../desktop/src/core/updates/update-policy';

/**
 * The desktop's auto-updates as the Electron shell runs them (desktop/src/main/auto-update.ts), minus
 * electron-updater itself, which can't run here: the same update policy decides what is offered and when
 * an accepted update may install; the test plays electron-updater's part by feeding its events.
 */
export class PolicyUpdates {
  private state: UpdateState = initialUpdateState(Date.now());
  /** How many times the app would have called quitAndInstall. */
  installs = 0;
  listener: ((status: UpdateView) => void) | null = null;

  status(): UpdateView {
    return {
      enabled: true,
      phase: this.state.phase,
      version: this.state.version,
      downloadPercent: this.state.downloadPercent,
      offer: updateOffer(this.state),
      lastError: this.state.lastError,
    };
  }
  accept(): void {
    this.dispatch({ type: 'user-accepted' });
  }
  setSyncActive(active: boolean): void {
    this.dispatch({ type: 'sync-activity', syncActive: active });
  }
  /** electron-updater's side: check, download, downloaded. */
  dispatch(event: UpdateEvent): void {
    this.state = reduceUpdate(this.state, event);
    if (shouldInstallNow(this.state)) {
      this.installs += 1;
      this.state = reduceUpdate(this.state, { type: 'install-started' });
    }
    this.listener?.(this.status());
  }
}
