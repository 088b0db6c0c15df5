import { type FormEvent, useEffect, useRef, useState } from 'react';
import type { IpcOutput } from '../../../../../common/contract/ipc';
import { formatBytes, formatWhen } from '../format';
import { actions, useApp } from '../state/app-store';
import { call } from '../symc';
import { LaptopIcon, PhoneIcon } from '../components/icons';
import { AutoDownload } from './AutoDownload';

type Devices = IpcOutput<'listDevices'>['devices'];
type Storage = IpcOutput<'getStorage'>;
const MB = 1024 * 1024;

/** This account's linked devices, local storage and its budget, and unlinking this desktop. */
export function SettingsDialog({ username }: { username: string }) {
  const [devices, setDevices] = useState<Devices | null>(null);
  const [storage, setStorage] = useState<Storage | null>(null);
  const [maxChats, setMaxChats] = useState('');
  const [maxMb, setMaxMb] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const dialog = useRef<HTMLDivElement>(null);

  useEffect(() => {
    dialog.current?.focus();
    call('listDevices', {}).then(
      (d) => setDevices(d.devices),
      (e: Error) => setError(e.message),
    );
    call('getStorage', {}).then(
      (s) => {
        setStorage(s);
        setMaxChats(String(s.budget.maxChats));
        setMaxMb(String(Math.round(s.budget.maxBytes / MB)));
      },
      (e: Error) => setError(e.message),
    );
  }, []);

  const saveBudget = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const next = await call('setBudget', { maxChats: Number(maxChats), maxBytes: Math.round(Number(maxMb) * MB) });
      setStorage(next);
      setSaved(true);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const used = storage ? Math.min(1, (storage.bytes + (storage.mediaBytes ?? 0)) / storage.budget.maxBytes) : 0;
  return (
    <div className="dialog-backdrop" onClick={() => actions.setSettingsOpen(false)}>
      <div
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="settings-title"
        tabIndex={-1}
        ref={dialog}
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === 'Escape' && actions.setSettingsOpen(false)}
      >
        <header className="dialog-header">
          <h2 id="settings-title">Settings</h2>
          <button
            type="button"
            className="ghost"
            aria-label="Close settings"
            onClick={() => actions.setSettingsOpen(false)}
          >
            ✕
          </button>
        </header>
        {error && (
          <p className="notice" role="alert">
            {error}
          </p>
        )}
        <section aria-labelledby="devices-title">
          <h3 id="devices-title">Linked devices</h3>
          <p className="muted small">Signed in as {username}.</p>
          {devices === null ? (
            <p className="muted">Loading…</p>
          ) : (
            <ul className="devices" aria-label="Linked devices">
              {devices.map((d) => (
                <li key={d.deviceId}>
                  <span className="device-icon" aria-hidden="true">
                    {d.kind === 'phone' ? <PhoneIcon /> : <LaptopIcon />}
                  </span>
                  <span>
                    <strong>{d.name}</strong> {d.current && <span className="badge">This desktop</span>}
                    <br />
                    <span className="muted small">
                      {d.platform} · last seen {formatWhen(Date.parse(d.lastSeenAt))}
                    </span>
                    {d.syncText && (
                      <>
                        <br />
                        <span className="muted small" data-testid="device-sync-status">
                          {d.syncText}
                        </span>
                      </>
                    )}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
        <Preferences onError={setError} />
        <section aria-labelledby="storage-title">
          <h3 id="storage-title">Storage on this desktop</h3>
          {storage && (
            <>
              <p>
                {storage.chats} chats · {storage.messages} messages · {formatBytes(storage.bytes)} of messages, of{' '}
                {formatBytes(storage.budget.maxBytes)}
              </p>
              {storage.mediaBytes !== undefined && (
                <p aria-label="Media storage">
                  Files and images: {formatBytes(storage.mediaBytes)} (kept encrypted; the oldest are removed first when
                  the budget is reached, and fetched again when opened)
                </p>
              )}
              <meter aria-label="Storage used" min={0} max={1} value={used} />
              {storage.autoDownloadBytes !== undefined && (
                <AutoDownload bytes={storage.autoDownloadBytes} onError={setError} />
              )}
              <form className="budget" onSubmit={(e) => void saveBudget(e)}>
                <label className="field">
                  <span>Maximum chats</span>
                  <input
                    type="number"
                    min={1}
                    max={10000}
                    value={maxChats}
                    onChange={(e) => (setMaxChats(e.target.value), setSaved(false))}
                  />
                </label>
                <label className="field">
                  <span>Maximum storage (MB)</span>
                  <input
                    type="number"
                    min={1}
                    max={10240}
                    value={maxMb}
                    onChange={(e) => (setMaxMb(e.target.value), setSaved(false))}
                  />
                </label>
                <button type="submit">Save budget</button>
                {saved && (
                  <span className="muted small" role="status">
                    Saved. The oldest chats beyond it were removed.
                  </span>
                )}
              </form>
              <p className="muted small">
                When the budget is reached, the least recently updated chats (never an open or pinned one) are removed
                from this desktop. They stay on your phone.
              </p>
            </>
          )}
        </section>
        <section aria-labelledby="unlink-title" className="danger-zone">
          <h3 id="unlink-title">Log out</h3>
          <p className="muted small">Unlinks this desktop from your account and deletes its local data and keys.</p>
          {confirming ? (
            <div className="confirm">
              <span>Unlink and delete local data?</span>
              <button
                type="button"
                className="danger"
                onClick={() => void call('signOut', {}).catch((e: Error) => setError(e.message))}
              >
                Yes, log out
              </button>
              <button type="button" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </div>
          ) : (
            <button type="button" className="danger" onClick={() => setConfirming(true)}>
              Log out and unlink this desktop
            </button>
          )}
        </section>
      </div>
    </div>
  );
}

/** Theme, notifications and Enter-to-send: synced to every device of the user (encrypted under the master key). */
function Preferences({ onError }: { onError: (message: string | null) => void }) {
  const preferences = useApp((s) => s.preferences);
  const save = (patch: Parameters<typeof actions.setPreferences>[0]) => {
    onError(null);
    actions.setPreferences(patch).catch((e: Error) => onError(e.message));
  };
  return (
    <section aria-labelledby="preferences-title" className="preferences">
      <h3 id="preferences-title">Preferences</h3>
      <p className="muted small">Shared with your other devices, end-to-end encrypted.</p>
      <label className="field">
        <span>Theme</span>
        <select value={preferences.theme} onChange={(e) => save({ theme: e.target.value as typeof preferences.theme })}>
          <option value="system">Same as the system</option>
          <option value="light">Light</option>
          <option value="dark">Dark</option>
        </select>
      </label>
      <label className="field">
        <span>Notifications for new messages</span>
        <select
          value={preferences.notifications}
          onChange={(e) => save({ notifications: e.target.value as typeof preferences.notifications })}
        >
          <option value="all">All messages</option>
          <option value="mentions">Only when I am @mentioned</option>
          <option value="none">None</option>
        </select>
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={preferences.sendOnEnter}
          onChange={(e) => save({ sendOnEnter: e.target.checked })}
        />
        <span>Enter sends a message (Shift+Enter for a new line)</span>
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={preferences.sendReadReceipts}
          onChange={(e) => save({ sendReadReceipts: e.target.checked })}
        />
        <span>Send read receipts (off: others don’t see when you read, and you don’t see when they read)</span>
      </label>
    </section>
  );
}
