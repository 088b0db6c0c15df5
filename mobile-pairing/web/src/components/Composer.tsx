import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { type ShownMessage, shownText } from '../../../src/core/conversations';
import { explainError } from '../../../src/core/explain-error';
import type { DraftSync } from '../drafts';
import { useChats } from '../state/chats';
import { useSignedIn } from '../state/session';
import { AttachMenu } from './AttachMenu';
import { SendIcon } from './icons';

/** Replying to a message, or editing one of mine, in the composer. */
export type Composing = { readonly mode: 'reply' | 'edit'; readonly message: ShownMessage };

/**
 * The message box: Enter sends, Shift+Enter is a new line; it also edits (the message's text) and replies
 * (a quote above the box). Files go through the attach menu beside it, each as its own message.
 */
export function Composer({
  chatId,
  drafts,
  onError,
  paused,
  composing,
  nameOf,
  onDone,
}: {
  chatId: string;
  drafts: DraftSync;
  onError: (message: string | null) => void;
  /** A verified member's safety number changed: nothing is sent until the user reviews it. */
  paused: boolean;
  composing: Composing | null;
  nameOf: (userId: string) => string;
  onDone: () => void;
}) {
  const { client, session } = useSignedIn();
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const draftProblem = useRef<string | null>(null);

  useEffect(() => {
    let current = true;
    void drafts
      .load(chatId)
      .then((draft) => {
        if (current && draft) setText((t) => t || draft);
      })
      .catch(() => undefined);
    // A draft written on another device replaces the text — unless this phone has an edit in flight.
    const off = drafts.onChange(chatId, () => {
      if (!drafts.isPending(chatId)) setText(drafts.read(chatId) ?? '');
    });
    return () => {
      current = false;
      off();
    };
  }, [chatId, drafts]);

  // Editing: the composer holds the message's text (the draft waits and comes back after).
  const editing = composing?.mode === 'edit' ? composing.message : null;
  const [editText, setEditText] = useState('');
  useEffect(() => {
    if (editing) {
      setEditText(shownText(editing) ?? '');
      inputRef.current?.focus();
    }
  }, [editing]);
  useEffect(() => {
    if (composing?.mode === 'reply') inputRef.current?.focus();
  }, [composing]);

  async function send(event?: FormEvent) {
    event?.preventDefault();
    const message = (editing ? editText : text).trim();
    if (!message || sending || paused) return;
    setSending(true);
    try {
      if (editing) {
        await useChats.getState().edit(client, session, editing, message);
      } else {
        const replyTo = composing?.mode === 'reply' ? composing.message : undefined;
        await useChats.getState().send(client, session, chatId, message, replyTo);
        setText('');
        drafts.sent(chatId);
      }
      onDone();
      onError(null);
    } catch (e) {
      onError(explainError(e));
    } finally {
      setSending(false);
      inputRef.current?.focus();
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    // Enter sends; Shift+Enter is a new line (and an IME composition is never interrupted).
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) void send(event);
  }

  return (
    <form className="composer" onSubmit={send} aria-label="Write a message">
      {paused && (
        <p className="composer-paused" role="status">
          Sending is paused until you review the safety number change.
        </p>
      )}
      {composing && (
        <p className="composer-context" data-testid="composer-context">
          <span>
            {composing.mode === 'edit'
              ? 'Editing your message'
              : `Replying to ${nameOf(composing.message.record.senderUserId)}: ${shownText(composing.message) ?? ''}`}
          </span>
          <button type="button" className="button secondary small" onClick={onDone}>
            Cancel
          </button>
        </p>
      )}
      <AttachMenu chatId={chatId} disabled={paused || editing !== null} onError={onError} />
      <label className="visually-hidden" htmlFor="composer-input">
        Message
      </label>
      <textarea
        id="composer-input"
        ref={inputRef}
        rows={1}
        placeholder="Message"
        value={editing ? editText : text}
        maxLength={drafts.maxChars}
        onChange={(e) => {
          if (editing) {
            setEditText(e.target.value);
            return;
          }
          setText(e.target.value);
          // A refused draft (too long) is said once, and the notice goes when the text fits again.
          const refused = drafts.changed(chatId, e.target.value);
          if (refused !== draftProblem.current) onError(refused);
          draftProblem.current = refused;
        }}
        onKeyDown={onKeyDown}
      />
      <button
        type="submit"
        className="send-button"
        aria-label={editing ? 'Save edit' : 'Send'}
        disabled={sending || paused || (editing ? editText : text).trim() === ''}
      >
        <SendIcon />
      </button>
    </form>
  );
}
