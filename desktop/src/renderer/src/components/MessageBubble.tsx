import type { MessageView } from '../../../../../common/contract/ipc';
import type { ReactNode } from 'react';
import { formatTime } from '../format';
import { actions } from '../state/app-store';
import { ClockIcon } from './icons';

const TICKS: Record<MessageView['status'], { glyph: ReactNode; label: string }> = {
  queued: { glyph: <ClockIcon />, label: 'Queued — sends when online' },
  sent: { glyph: '✓', label: 'Sent' },
  delivered: { glyph: '✓✓', label: 'Delivered' },
  read: { glyph: '✓✓', label: 'Read' },
};

/** The marks for authors that aren't plainly verified (verified messages carry none). */
const AUTHOR_MARKS: Partial<Record<MessageView['verification'], { text: string; title: string }>> = {
  legacy: { text: 'unsigned', title: 'Sent before message signing existed: nothing proves who wrote it.' },
  pending: {
    text: 'checking sender',
    title: 'The sender’s key could not be fetched yet; this message is checked again when it is.',
  },
};

export function MessageBubble({ message, focused }: { message: MessageView; focused: boolean }) {
  const tick = TICKS[message.status];
  // An undecryptable message says so in its text; its author is not checked, so no warning on top.
  const unverified = message.decrypted && message.verification === 'unverified';
  const mark = message.decrypted ? AUTHOR_MARKS[message.verification] : undefined;
  return (
    <article
      className={`message ${message.mine ? 'mine' : 'theirs'} ${focused ? 'focused' : ''} ${unverified ? 'unverified' : ''}`}
      data-verification={message.verification}
      aria-label={`${message.senderName} at ${formatTime(message.sentAt)}`}
    >
      <div className="bubble">
        {unverified ? (
          <div className="sender-warning" role="note">
            ⚠ Unverified sender — not signed by the account the server names. Don’t trust who it claims to be from.
          </div>
        ) : (
          !message.mine && <div className="sender">{message.senderName}</div>
        )}
        <p className="text">
          {message.decrypted ? (
            message.text
          ) : (
            <em className="muted">This message could not be decrypted on this device.</em>
          )}
        </p>
        <div className="meta">
          {mark && (
            <span className="author-mark" title={mark.title}>
              {mark.text}
            </span>
          )}
          <time dateTime={new Date(message.sentAt).toISOString()}>{formatTime(message.sentAt)}</time>
          {message.mine && !message.failure && (
            <span className={`ticks ticks-${message.status}`} title={tick.label} aria-label={tick.label} role="img">
              {tick.glyph}
            </span>
          )}
        </div>
        {message.mine && message.failure && (
          <div className="send-failed" role="alert">
            <span>⚠ Not sent — {message.failure}</span>
            <button type="button" className="small-button" onClick={() => void actions.retrySend(message.messageId)}>
              Retry
            </button>
          </div>
        )}
      </div>
    </article>
  );
}
