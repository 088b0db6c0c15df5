import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { actions, useApp } from '../state/app-store';
import { messageActions, useMessageActions } from '../state/message-actions-store';
import { AttachButton, pastedFiles } from './Attachments';

/**
 * The message box. Its text is the chat's draft: every edit goes to the app (saveDraft), which keeps it —
 * with the core's draft service when it has one (encrypted, synced), else in memory. With "send on
 * Enter" (the default, a synced preference) Enter sends and Shift+Enter adds a line; without it Enter adds
 * a line and Ctrl/⌘+Enter sends. Offline, a message is queued and sent on reconnect.
 */
export function Composer({
  chatId,
  draft,
  offline,
  paused = false,
}: {
  chatId: string;
  draft: string;
  offline: boolean;
  paused?: boolean;
}) {
  const [text, setText] = useState(draft);
  const [sending, setSending] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);
  const sendOnEnter = useApp((s) => s.preferences.sendOnEnter);
  const replyTo = useMessageActions((s) => (s.replyTo?.chatId === chatId ? s.replyTo : null));

  // Keyed by chat in ChatView: a different chat is a fresh composer starting from its draft.
  useEffect(() => box.current?.focus(), [chatId]);

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    if (sending || paused || text.trim() === '') return;
    setSending(true);
    const sent = await actions.send(text, messageActions.takeReply(chatId));
    setSending(false);
    if (sent) setText('');
    box.current?.focus();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key !== 'Enter' || event.nativeEvent.isComposing) return;
    const sends = sendOnEnter ? !event.shiftKey : event.ctrlKey || event.metaKey;
    if (!sends) return;
    event.preventDefault();
    void submit();
  };

  return (
    <form className="composer" onSubmit={(e) => void submit(e)} aria-label="Compose">
      {offline && (
        <p className="composer-offline" role="status">
          Offline — new messages are queued and sent when the connection is back.
        </p>
      )}
      {paused && (
        <p className="composer-offline" role="status">
          Sending is paused until you acknowledge the safety number change above.
        </p>
      )}
      {replyTo && (
        <div className="composer-reply" role="status" aria-label="Replying to">
          <span className="reply-quote">{replyTo.text}</span>
          <button type="button" className="small-button" onClick={() => messageActions.cancelReply()}>
            Cancel reply
          </button>
        </div>
      )}
      <div className="composer-row">
        <AttachButton chatId={chatId} disabled={paused} />
        <textarea
          ref={box}
          rows={1}
          value={text}
          aria-label="Message"
          placeholder={sendOnEnter ? 'Write a message' : 'Write a message (Ctrl+Enter sends)'}
          onChange={(e) => {
            setText(e.target.value);
            actions.saveDraft(e.target.value);
          }}
          onKeyDown={onKeyDown}
          onPaste={(e) => !paused && pastedFiles(chatId, e)}
        />
        <button type="submit" className="primary" disabled={sending || paused || text.trim() === ''}>
          Send
        </button>
      </div>
    </form>
  );
}
