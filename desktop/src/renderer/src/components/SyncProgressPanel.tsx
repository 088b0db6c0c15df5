import type { SyncView } from '../../../../../common/contract/ipc';

const PHASE_LABEL = { 1: 'Last opened chat', 2: 'Recent chats', 3: 'Older chats' } as const;

/** One bar per sync phase (chats done of chats planned, messages so far); collapses to a line once live. */
export function SyncProgressPanel({ sync }: { sync: SyncView }) {
  const done = sync.primed || sync.mode === 'live';
  const connection =
    sync.connection === 'connected'
      ? done
        ? 'Up to date'
        : 'Syncing'
      : sync.connection === 'offline'
        ? 'Offline — reconnecting'
        : sync.connection === 'connecting'
          ? 'Connecting…'
          : 'Stopped';
  return (
    <section className={`sync-panel ${done ? 'sync-done' : ''}`} aria-label="Sync progress">
      <p className={`sync-state sync-${sync.connection}`} role="status">
        <span className="dot" aria-hidden="true" />
        {connection}
        {sync.connection === 'connected' && sync.transport === 'polling' ? ' · checking every few seconds' : ''}
        {sync.outboxPending > 0 ? ` · ${sync.outboxPending} queued` : ''}
      </p>
      {sync.lastError ? (
        <p className="sync-error" role="alert" aria-label="Sync problem">
          {sync.lastError}
        </p>
      ) : null}
      {done ? (
        <details className="sync-details">
          <summary>Sync details</summary>
          {sync.transport === 'polling' ? (
            <p className="sync-note">
              Something between this desktop and the server holds the live connection back (often a proxy), so new
              messages are fetched every few seconds instead. The live connection is retried every minute.
            </p>
          ) : null}
          <Phases sync={sync} />
          <FirstSyncTimes sync={sync} />
        </details>
      ) : (
        <>
          <Phases sync={sync} />
          <FirstSyncTimes sync={sync} />
        </>
      )}
    </section>
  );
}

/** "820 ms", "12.3 s", "2 min 5 s". */
function formatWait(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1_000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** What the user waited for in this desktop's first sync, counted from the phone's approval. */
function FirstSyncTimes({ sync }: { sync: SyncView }) {
  const first = sync.firstChatReadyMs ?? null;
  const complete = sync.completeMs ?? null;
  if (first === null && complete === null) return null;
  return (
    <dl className="sync-times" aria-label="First sync times">
      {first !== null ? (
        <div>
          <dt>First chat readable</dt>
          <dd>{formatWait(first)} after approval</dd>
        </div>
      ) : null}
      {complete !== null ? (
        <div>
          <dt>Complete copy</dt>
          <dd>{formatWait(complete)} after approval</dd>
        </div>
      ) : null}
    </dl>
  );
}

function Phases({ sync }: { sync: SyncView }) {
  return (
    <ul className="phases">
      {sync.phases.map((p) => {
        const max = Math.max(1, p.expectedChats);
        const value = p.state === 'done' ? max : Math.min(p.chats, max);
        return (
          <li key={p.phase} className={`phase phase-${p.state}`}>
            <div className="phase-label">
              <span>
                {p.phase}. {PHASE_LABEL[p.phase]}
              </span>
              <span className="muted">
                {p.state === 'done' ? 'done' : `${p.chats}/${p.expectedChats} chats`} · {p.messages} msgs
              </span>
            </div>
            <div
              className="bar"
              role="progressbar"
              aria-label={`Phase ${p.phase}: ${PHASE_LABEL[p.phase]}`}
              aria-valuemin={0}
              aria-valuemax={max}
              aria-valuenow={value}
              aria-valuetext={
                p.state === 'done' ? 'done' : `${p.chats} of ${p.expectedChats} chats, ${p.messages} messages`
              }
            >
              <div className="bar-fill" style={{ width: `${(value / max) * 100}%` }} />
            </div>
          </li>
        );
      })}
    </ul>
  );
}
