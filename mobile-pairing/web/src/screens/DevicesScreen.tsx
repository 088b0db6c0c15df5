import { useState } from 'react';
import type { DeviceInfo } from '../../../../common/contract';
import { explainError } from '../../../src/core/explain-error';
import { listLinkedDevices, unlinkDevice } from '../../../src/core/pairing';
import { AppBar, Avatar, Notice, Spinner } from '../components/chrome';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { LaptopIcon, PhoneIcon } from '../components/icons';
import { hueFor, initials, platformName, relativeTime } from '../format';
import { expiryText } from '../../../src/core/device-expiry';
import { syncStatusText } from '../../../../common/sync-status/status-text';
import { hrefFor } from '../state/router';
import { useSession, useSignedIn } from '../state/session';
import { useLiveChange } from '../live/useLiveEvents';
import { usePolling } from '../usePolling';
import { PrivacySettings } from '../components/PrivacySettings';

export function DevicesScreen() {
  const { client, session } = useSignedIn();
  const [devices, setDevices] = useState<DeviceInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [unlinking, setUnlinking] = useState<DeviceInfo | null>(null);
  const [signingOut, setSigningOut] = useState(false);
  const [busy, setBusy] = useState(false);

  const refresh = async () => {
    try {
      setDevices(await listLinkedDevices(client));
      setError(null);
    } catch (e) {
      setError(explainError(e));
    }
  };
  usePolling(refresh, 20_000, [client]);
  // A device unlinked from another phone disappears from the list at once.
  useLiveChange((change) => {
    if (change.kind === 'revoked' || change.kind === 'linked') void refresh();
  });

  async function confirmUnlink() {
    if (!unlinking) return;
    setBusy(true);
    try {
      await unlinkDevice(client, unlinking.deviceId);
      setDone(`“${unlinking.name}” was unlinked. It can no longer reach your account.`);
      setUnlinking(null);
      await refresh();
    } catch (e) {
      setError(explainError(e));
      setUnlinking(null);
    } finally {
      setBusy(false);
    }
  }

  const sorted = devices
    ? [...devices].sort(
        (a, b) => Number(b.current) - Number(a.current) || Date.parse(b.lastSeenAt) - Date.parse(a.lastSeenAt),
      )
    : null;
  const desktops = devices?.filter((d) => d.kind === 'desktop').length ?? 0;

  return (
    <>
      <AppBar
        title="Devices"
        subtitle={devices ? `${desktops} desktop${desktops === 1 ? '' : 's'} linked` : undefined}
      />
      <main className="content padded">
        <section className="card account" aria-label="Your account">
          <Avatar text={initials(session.username)} hue={hueFor(session.userId)} size={48} />
          <div className="account-text">
            <strong>@{session.username}</strong>
            <span className="muted">Signed in on this phone</span>
          </div>
          <button type="button" className="button secondary small" onClick={() => setSigningOut(true)}>
            Sign out
          </button>
        </section>

        <PrivacySettings />

        {done && <Notice kind="success">{done}</Notice>}
        {error && <Notice kind="error">{error}</Notice>}
        {sorted === null && !error && <Spinner label="Loading devices…" />}

        {sorted && (
          <section aria-labelledby="linked-title">
            <h2 id="linked-title" className="section-title">
              Linked devices
            </h2>
            <ul className="device-list" aria-label="Linked devices">
              {sorted.map((device) => (
                <li key={device.deviceId} className="device-row" data-testid="device-row">
                  <span className={`device-icon ${device.kind}`}>
                    {device.kind === 'desktop' ? <LaptopIcon /> : <PhoneIcon />}
                  </span>
                  <span className="device-text">
                    <span className="device-name">
                      {device.name}
                      {device.current && <span className="badge">This phone</span>}
                    </span>
                    <span className="muted">
                      {platformName(device.platform)} ·{' '}
                      {device.current ? 'active now' : `last seen ${relativeTime(device.lastSeenAt)}`}
                    </span>
                    <span className="muted small">Linked {relativeTime(device.createdAt)}</span>
                    {syncStatusText(device.syncStatus) && (
                      <span className="muted small" data-testid="device-sync-status">
                        {syncStatusText(device.syncStatus)}
                      </span>
                    )}
                    {!device.current && expiryText(device.expiresAt) && (
                      <span className="muted small" data-testid="device-expiry">
                        {expiryText(device.expiresAt)}
                      </span>
                    )}
                  </span>
                  {!device.current && (
                    <button
                      type="button"
                      className="button danger-outline small"
                      onClick={() => setUnlinking(device)}
                      aria-label={`Unlink ${device.name}`}
                    >
                      Unlink
                    </button>
                  )}
                </li>
              ))}
            </ul>
            {desktops === 0 && (
              <p className="muted centered">
                No desktop is linked yet. <a href={hrefFor({ name: 'link' })}>Link a desktop</a>
              </p>
            )}
          </section>
        )}
      </main>

      <ConfirmDialog
        open={unlinking !== null}
        title={`Unlink “${unlinking?.name ?? ''}”?`}
        confirmLabel="Unlink"
        danger
        busy={busy}
        onConfirm={() => void confirmUnlink()}
        onCancel={() => setUnlinking(null)}
      >
        <p>
          It loses access to your account at once and deletes its copy of your chats the next time it runs. You can link
          it again later.
        </p>
      </ConfirmDialog>

      <ConfirmDialog
        open={signingOut}
        title="Sign out of this phone?"
        confirmLabel="Sign out"
        danger
        busy={busy}
        onConfirm={() => {
          setBusy(true);
          void useSession.getState().signOut();
        }}
        onCancel={() => setSigningOut(false)}
      >
        <p>
          This phone forgets your keys and is unlinked. Your linked desktops keep working. Sign in again with your
          password to come back.
        </p>
      </ConfirmDialog>
    </>
  );
}
