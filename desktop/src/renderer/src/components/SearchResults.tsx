import { type KeyboardEvent, useRef } from 'react';
import type { SearchResult } from '../../../../../common/contract/ipc';
import { formatWhen } from '../format';
import { actions } from '../state/app-store';

const KIND = { chat: 'Chat', message: 'Message', draft: 'Draft' } as const;

function Highlighted({ text, ranges }: { text: string; ranges: Array<[number, number]> }) {
  const parts: Array<string | { mark: string }> = [];
  let at = 0;
  for (const [start, end] of ranges) {
    if (start < at) continue;
    parts.push(text.slice(at, start), { mark: text.slice(start, end) });
    at = end;
  }
  parts.push(text.slice(at));
  return <>{parts.map((p, i) => (typeof p === 'string' ? p : <mark key={i}>{p.mark}</mark>))}</>;
}

export function SearchResults({ results, query, ready }: { results: SearchResult[]; query: string; ready: boolean }) {
  const list = useRef<HTMLUListElement>(null);
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const buttons = [...(list.current?.querySelectorAll<HTMLButtonElement>('button') ?? [])];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const next = event.key === 'ArrowDown' ? Math.min(buttons.length - 1, at + 1) : at - 1;
    if (next < 0) document.getElementById('search-box')?.focus();
    else buttons[next]?.focus();
    event.preventDefault();
  };
  return (
    <section className="search-results" aria-label="Search results">
      {!ready && <p className="muted small">Search covers every chat once the first sync finishes.</p>}
      {results.length === 0 ? (
        <p className="empty muted">No results for “{query}”.</p>
      ) : (
        <ul ref={list} aria-label="Results" onKeyDown={onKeyDown}>
          {results.map((r) => (
            <li key={`${r.kind}:${r.messageId ?? r.chatId}`}>
              <button type="button" className="result" onClick={() => void actions.openResult(r)}>
                <span className="result-top">
                  <span className={`kind kind-${r.kind}`}>{KIND[r.kind]}</span>
                  <span className="result-chat">{r.chatTitle}</span>
                  {r.senderName && <span className="result-sender muted small">{r.senderName}</span>}
                  {r.sentAt !== null && <time className="muted small">{formatWhen(r.sentAt)}</time>}
                </span>
                <span className="result-snippet">
                  <Highlighted text={r.snippet} ranges={r.highlights} />
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
