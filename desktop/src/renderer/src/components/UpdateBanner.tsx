import type { UpdateView } from '../../../../../common/contract/ipc';
import { actions } from '../state/app-store';

/**
 * The update offer (electron-updater, desktop/src/main/auto-update.ts). Offered, never forced: the user
 * chooses "Restart to update"; while a sync is running the install waits for it to finish, and says so.
 */
export function UpdateBanner({ update }: { update: UpdateView }) {
  const offer = update.offer;
  if (!offer) return null;
  return (
    <section className="update-banner" aria-label="Update available">
      <p>
        <strong>Symc {offer.version}</strong> is ready to install.
        {offer.waitingForSync && (
          <span className="muted small"> It installs when the sync in progress has finished.</span>
        )}
      </p>
      <button type="button" className="primary small-button" onClick={() => void actions.installUpdate()}>
        {offer.canInstallNow ? 'Restart to update' : 'Update after sync'}
      </button>
    </section>
  );
}
