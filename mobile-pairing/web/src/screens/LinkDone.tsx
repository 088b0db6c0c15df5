import { LaptopIcon } from '../components/icons';
import { hrefFor } from '../state/router';

/** The end of linking: linked, keys sent but not yet confirmed by the desktop, or denied. */
export function LinkDone({
  outcome,
  deviceName,
  onAnother,
}: {
  outcome: 'approved' | 'unconfirmed' | 'denied';
  deviceName: string;
  onAnother: () => void;
}) {
  return (
    <section className="card done" aria-live="polite">
      <div className={outcome === 'denied' ? 'done-icon' : 'done-icon ok'}>
        <LaptopIcon size={32} />
      </div>
      {outcome === 'unconfirmed' ? (
        <>
          <h2>Keys sent to “{deviceName}”</h2>
          <p>The desktop hasn’t confirmed yet. Check its screen: it shows your chats once it has opened your keys.</p>
          <a className="button primary block" href={hrefFor({ name: 'devices' })}>
            See linked devices
          </a>
        </>
      ) : outcome === 'approved' ? (
        <>
          <h2>“{deviceName}” is linked</h2>
          <p>
            The desktop received your keys, sealed so that only it can open them. It will show your chats in a moment.
          </p>
          <a className="button primary block" href={hrefFor({ name: 'devices' })}>
            See linked devices
          </a>
        </>
      ) : (
        <>
          <h2>Request denied</h2>
          <p>“{deviceName}” was not linked. Nothing was sent to it.</p>
        </>
      )}
      <button type="button" className="button secondary block" onClick={onAnother}>
        Link another desktop
      </button>
    </section>
  );
}
