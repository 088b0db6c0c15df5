import { useState } from 'react';
import { call } from '../symc';

const MB = 1024 * 1024;

/** Files at most this large are fetched as they arrive (this desktop only); larger ones when opened. */
export function AutoDownload({ bytes, onError }: { bytes: number; onError: (message: string) => void }) {
  const [megabytes, setMegabytes] = useState(String(Math.round((bytes / MB) * 10) / 10));
  const [saved, setSaved] = useState(false);
  const save = async () => {
    const value = Number(megabytes);
    if (!Number.isFinite(value) || value < 0 || value > 100) return onError('Enter a size from 0 to 100 MB.');
    try {
      await call('setAutoDownload', { maxBytes: Math.round(value * MB) });
      setSaved(true);
    } catch (error) {
      onError((error as Error).message);
    }
  };
  return (
    <form
      className="budget"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label className="field">
        <span>Download files automatically up to (MB; 0: only when opened)</span>
        <input
          type="number"
          min={0}
          max={100}
          step={0.5}
          value={megabytes}
          onChange={(e) => (setMegabytes(e.target.value), setSaved(false))}
        />
      </label>
      <button type="submit">Save</button>
      {saved && (
        <span className="muted small" role="status">
          Saved.
        </span>
      )}
    </form>
  );
}
