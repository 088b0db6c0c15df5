import type { MessageView } from '../../../../../common/contract/ipc';
import { formatTime } from '../format';
import { actions } from '../state/app-store';
import { MessageActionBar, MessageEditor } from './MessageActions';
import { useMessageActions } from '../state/message-actions-store';
import { ReceiptTicks } from './ReceiptTicks';
import { AttachmentList } from './Attachments';

/** The marks for authors that aren't plainly verified (verified messages carry none). */
const AUTHOR_MARKS: Partial<Record<MessageView['verification'], { text: string; title: string }>> = {
  legacy: { text: 'unsigned', title: 'Sent before message signing existed: nothing proves who wrote it.' },
  pending: {
    text: 'checking sender',
    title: 'The sender’s key could not be fetched yet; this message is checked again when it is.',
  },
};

export function MessageBubble({ message, focused }: { message: MessageView; focused: boolean }) {
  // An undecryptable message says so in its text; its author is not checked, so no warning on top.
  const unverified = message.decrypted && message.verification === 'unverified';
  const mark = message.decrypted && !message.deleted ? AUTHOR_MARKS[message.verification] : undefined;
  const editing = useMessageActions((s) => s.editing === message.messageId);
  if (message.deleted) {
    return (
      <article className={`message ${message.mine ? 'mine' : 'theirs'} deleted`} data-deleted="true">
        <div className="bubble">
          <p className="text">
            <em className="muted">{message.mine ? 'You deleted this message.' : 'This message was deleted.'}</em>
          </p>
        </div>
      </article>
    );
  }
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
        {message.replyTo && (
          <blockquote className="reply-quote" data-reply-to={message.replyTo.messageId}>
            {message.replyTo.text}
          </blockquote>
        )}
        {message.decrypted && <AttachmentList message={message} />}
        {editing ? (
          <MessageEditor message={message} />
        ) : message.decrypted && message.text === '' && message.attachments?.length ? null : (
          <p className="text">
            {message.decrypted ? (
              message.text
            ) : (
              <em className="muted">This message could not be decrypted on this device.</em>
            )}
          </p>
        )}
        <div className="meta">
          {mark && (
            <span className="author-mark" title={mark.title}>
              {mark.text}
            </span>
          )}
          {message.edited && <span className="edited-mark">edited</span>}
          {message.editRefused && (
            <span className="author-mark" title="An edit arrived that its author did not sign; the original is shown.">
              edit refused
            </span>
          )}
          <time dateTime={new Date(message.sentAt).toISOString()}>{formatTime(message.sentAt)}</time>
          {message.mine && !message.failure && <ReceiptTicks message={message} />}
        </div>
        {message.mine && message.failure && (
          <div className="send-failed" role="alert">
            <span>⚠ Not sent — {message.failure}</span>
            <button type="button" className="small-button" onClick={() => void actions.retrySend(message.messageId)}>
              Retry
            </button>
          </div>
        )}
        {message.decrypted && !unverified && !editing && <MessageActionBar message={message} />}
      </div>
    </article>
  );
}
