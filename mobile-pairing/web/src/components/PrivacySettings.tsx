import { useEffect, useState } from 'react';
import { explainError } from '../../../src/core/explain-error';
import { sendsReadReceipts } from '../../../src/core/settings';
import { useSettings } from '../state/settings';
import { useSignedIn } from '../state/session';

/** The synced "send read receipts" setting (docs/MESSAGES.md), shared with the user's desktops. */
export function PrivacySettings() {
  const { client, session } = useSignedIn();
  const settings = useSettings((s) => s.settings);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    void useSettings
      .getState()
      .load(client, session)
      .catch((e: unknown) => setError(explainError(e)));
  }, [client, session]);
  return (
    <section className="card privacy-settings" aria-labelledby="privacy-title">
      <h2 id="privacy-title" className="section-title">
        Privacy
      </h2>
      <label className="check-row">
        <input
          type="checkbox"
          checked={settings ? sendsReadReceipts(settings) : true}
          disabled={settings === null || saving}
          onChange={(e) => {
            setSaving(true);
            useSettings
              .getState()
              .update(client, session, { sendReadReceipts: e.target.checked })
              .then(() => setError(null))
              .catch((err: unknown) => setError(explainError(err)))
              .finally(() => setSaving(false));
          }}
        />
        <span>Send read receipts</span>
      </label>
      <p className="muted small">
        Off: nobody sees when you read their messages, and you don’t see when others read yours. Delivered ticks still
        show. Applies on all your devices.
      </p>
      {error && (
        <p className="muted small" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
