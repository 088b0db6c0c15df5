import { type KeyboardEvent, useState } from 'react';
import type { MessageView } from '../../../../../common/contract/ipc';
import { messageActions } from '../state/message-actions-store';

/** Reply, edit, delete for everyone (own messages), delete for me (docs/MESSAGES.md). */
export function MessageActionBar({ message }: { message: MessageView }) {
  const [confirming, setConfirming] = useState(false);
  const sent = message.status !== 'queued';
  return (
    <div className="message-actions" role="group" aria-label="Message actions">
      <button type="button" className="link-button" onClick={() => messageActions.reply(message)}>
        Reply
      </button>
      {message.mine && sent && (
        <button type="button" className="link-button" onClick={() => messageActions.startEdit(message.messageId)}>
          Edit
        </button>
      )}
      {confirming ? (
        <>
          {message.mine && sent && (
            <button type="button" className="link-button" onClick={() => void messageActions.remove(message, true)}>
              Delete for everyone
            </button>
          )}
          <button type="button" className="link-button" onClick={() => void messageActions.remove(message, false)}>
            Delete for me
          </button>
          <button type="button" className="link-button" onClick={() => setConfirming(false)}>
            Keep
          </button>
        </>
      ) : (
        <button type="button" className="link-button" onClick={() => setConfirming(true)}>
          Delete…
        </button>
      )}
    </div>
  );
}

/** In-place editor of an own message: Enter saves, Escape cancels. */
export function MessageEditor({ message }: { message: MessageView }) {
  const [text, setText] = useState(message.text);
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Escape') messageActions.cancelEdit();
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void messageActions.saveEdit(message, text);
    }
  };
  return (
    <div className="message-editor">
      <textarea
        aria-label="Edit message"
        value={text}
        autoFocus
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
      />
      <div className="message-editor-buttons">
        <button type="button" className="small-button" onClick={() => messageActions.cancelEdit()}>
          Cancel
        </button>
        <button
          type="button"
          className="small-button primary"
          onClick={() => void messageActions.saveEdit(message, text)}
        >
          Save
        </button>
      </div>
    </div>
  );
}
