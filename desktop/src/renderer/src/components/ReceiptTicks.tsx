import { useState, type ReactNode } from 'react';
import type { MessageView, ReceiptDetailsView } from '../../../../../common/contract/ipc';
import { formatTime } from '../format';
import { call } from '../symc';
import { ClockIcon } from './icons';

/** Inline SVG (no emoji font needed): one check, two checks, two checks on a filled disc. */
const tick = (paths: ReactNode, filled = false) => (
  <svg width={18} height={12} viewBox="0 0 30 20" aria-hidden="true">
    {filled && <rect x="0" y="0" width="30" height="20" rx="10" fill="currentColor" opacity="0.35" />}
    <g fill="none" stroke="currentColor" strokeWidth={2.5} strokeLinecap="round" strokeLinejoin="round">
      {paths}
    </g>
  </svg>
);
const ONE = <path d="M6 10l4 4 8-9" />;
const TWO = (
  <>
    <path d="M4 10l4 4 8-9" />
    <path d="M13 13l1 1 8-9" />
  </>
);

/** Distinct marks for sent / delivered / read (the colour alone never carries the difference). */
export const TICKS: Record<MessageView['status'], { glyph: ReactNode; label: string }> = {
  queued: { glyph: <ClockIcon />, label: 'Queued — sends when online' },
  sent: { glyph: tick(ONE), label: 'Sent' },
  delivered: { glyph: tick(TWO), label: 'Delivered' },
  read: { glyph: tick(TWO, true), label: 'Read' },
};

/** The ticks on my own message; in a group also "Read by 2 of 4", and who on demand. */
export function ReceiptTicks({ message }: { message: MessageView }) {
  const mark = TICKS[message.status];
  const receipts = message.receipts;
  const group = receipts && receipts.recipients > 1;
  return (
    <>
      <span
        className={`ticks ticks-${message.status}`}
        data-status={message.status}
        title={mark.label}
        aria-label={mark.label}
        role="img"
      >
        {mark.glyph}
      </span>
      {group && message.status !== 'queued' && <ReadBy message={message} />}
    </>
  );
}

function ReadBy({ message }: { message: MessageView }) {
  const { read, delivered, recipients } = message.receipts!;
  const [who, setWho] = useState<ReceiptDetailsView['recipients'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const summary = read > 0 ? `Read by ${read} of ${recipients}` : `Delivered to ${delivered} of ${recipients}`;
  const toggle = async () => {
    if (who) return setWho(null);
    try {
      setWho((await call('getMessageReceipts', { chatId: message.chatId, messageId: message.messageId })).recipients);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <span className="read-by">
      <button type="button" className="link-button read-by-summary" aria-expanded={who !== null} onClick={toggle}>
        {summary}
      </button>
      {error && <span role="alert">{error}</span>}
      {who && (
        <ul className="read-by-list" aria-label="Who received this message">
          {who.map((r) => (
            <li key={r.userId} data-user-id={r.userId}>
              <span className="read-by-name">{r.name}</span>{' '}
              <span className="muted">
                {r.readAt
                  ? `read ${formatTime(Date.parse(r.readAt))}`
                  : r.deliveredAt
                    ? `delivered ${formatTime(Date.parse(r.deliveredAt))}`
                    : 'not delivered yet'}
              </span>
            </li>
          ))}
        </ul>
      )}
    </span>
  );
}
