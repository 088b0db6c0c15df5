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

export function MessageBubble({ message, focused }: { message: MessageView; focused: boolean }) {
  const tick = TICKS[message.status];
  return (
    <article className={`message ${message.mine ? 'mine' : 'theirs'} ${focused ? 'focused' : ''}`} aria-label={`${message.senderName} at ${formatTime(message.sentAt)}`}>
      <div className="bubble">
        {!message.mine && <div className="sender">{message.senderName}</div>}
        <p className="text">{message.decrypted ? message.text : <em className="muted">This message could not be decrypted on this device.</em>}</p>
        <div className="meta">
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
