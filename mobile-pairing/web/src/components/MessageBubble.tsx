import { type ShownMessage, shownText } from '../../../src/core/conversations';
import { attachmentsOf } from '../../../src/core/attachments/file-messages';
import type { Ticks } from '../../../src/core/receipts';
import { clockTime } from '../format';
import { AttachmentList } from './AttachmentList';

const TICK_LABELS: Record<Ticks['status'], string> = { sent: 'Sent', delivered: 'Delivered', read: 'Read' };

/** One check, two checks, two checks on a filled disc: sent, delivered, read tell apart without colour. */
function TickMark({ ticks }: { ticks: Ticks }) {
  const label =
    ticks.readBy !== null
      ? ticks.readBy > 0
        ? `Read by ${ticks.readBy} of ${ticks.recipients}`
        : `Delivered to ${ticks.deliveredTo ?? 0} of ${ticks.recipients}`
      : TICK_LABELS[ticks.status];
  return (
    <span
      className={`bubble-ticks ticks-${ticks.status}`}
      data-status={ticks.status}
      role="img"
      aria-label={label}
      title={label}
    >
      <svg width={18} height={12} viewBox="0 0 30 20" aria-hidden="true">
        {ticks.status === 'read' && (
          <rect x="0" y="0" width="30" height="20" rx="10" fill="currentColor" opacity="0.35" />
        )}
        <g fill="none" stroke="currentColor" strokeWidth={2.5} strokeLinecap="round" strokeLinejoin="round">
          {ticks.status === 'sent' ? <path d="M6 10l4 4 8-9" /> : <path d="M4 10l4 4 8-9" />}
          {ticks.status !== 'sent' && <path d="M13 13l1 1 8-9" />}
        </g>
      </svg>
      {ticks.readBy !== null && <span className="bubble-read-by">{label}</span>}
    </span>
  );
}

/** One message: tap for its actions. A message's files are shown above its bubble. */
export function Bubble({
  message,
  showSender,
  nameOf,
  onSelect,
  ticks,
}: {
  message: ShownMessage;
  showSender: boolean;
  nameOf: (userId: string) => string;
  onSelect: () => void;
  ticks: Ticks | null;
}) {
  if (message.deleted) {
    return (
      <li className={message.mine ? 'bubble-row mine' : 'bubble-row'} data-deleted="true">
        <button type="button" className="bubble deleted" onClick={onSelect} aria-label="Deleted message: actions">
          <p>This message was deleted</p>
          <span className="bubble-meta">
            <time dateTime={message.record.createdAt}>{clockTime(message.record.createdAt)}</time>
          </span>
        </button>
      </li>
    );
  }
  const body = message.body;
  const { verification, displayName } = message.author;
  // Unverified: the warning is the sender line, on every such message (it never names anyone).
  const unverified = body !== null && verification === 'unverified';
  const quote = body?.replyTo;
  const files = attachmentsOf(body);
  const text = body ? shownText(message) : 'This message can’t be decrypted.';
  const bubble = (
    <button
      type="button"
      className={!body ? 'bubble unreadable' : unverified ? 'bubble unverified' : 'bubble'}
      onClick={onSelect}
      aria-haspopup="dialog"
    >
      {unverified ? (
        <span className="bubble-warning" role="note">
          ⚠ Unverified sender — not signed by the account the server names. Don’t trust who it says it’s from.
        </span>
      ) : (
        showSender && body && <span className="bubble-sender">{displayName}</span>
      )}
      {quote && (
        <span className="bubble-quote" data-testid="quote">
          <strong>{nameOf(quote.senderUserId)}</strong>
          {quote.text}
        </span>
      )}
      {(text !== '' || files.length === 0) && <p>{text}</p>}
      <span className="bubble-meta">
        {message.edit.state === 'verified' && <span className="bubble-edited">edited ·</span>}
        {message.edit.state === 'refused' && (
          <span
            className="bubble-legacy"
            title="An edit arrived that its author did not sign: the original text is shown."
          >
            edit refused ·
          </span>
        )}
        {body && verification === 'legacy' && (
          <span className="bubble-legacy" title="Sent before message signing: the sender can’t be verified.">
            unsigned ·
          </span>
        )}
        {body && verification === 'pending' && (
          <span className="bubble-legacy" title="The sender’s key could not be fetched yet.">
            checking ·
          </span>
        )}
        <time dateTime={message.record.createdAt}>{clockTime(body?.sentAt ?? message.record.createdAt)}</time>
        {ticks && <TickMark ticks={ticks} />}
      </span>
    </button>
  );
  return (
    <li
      className={message.mine ? 'bubble-row mine' : 'bubble-row'}
      data-verification={verification}
      data-edit={message.edit.state}
    >
      {files.length > 0 ? (
        // Files sit above the bubble, not inside it: the bubble is a button (message actions), and a file
        // has buttons of its own (open, download).
        <div className="bubble-stack">
          <AttachmentList message={message} files={files} />
          {bubble}
        </div>
      ) : (
        bubble
      )}
    </li>
  );
}
