import { type FormEvent, Fragment, type KeyboardEvent, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { type ShownMessage, shownText } from '../../../src/core/conversations';
import { hiddenByChatDelete } from '../../../../common/content';
import { MessageActionSheet, type MessageActionChoice } from '../components/MessageActionSheet';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { hrefFor } from '../state/router';
import { explainError } from '../../../src/core/explain-error';
import { AppBar, Notice, Spinner } from '../components/chrome';
import { LockIcon, SendIcon } from '../components/icons';
import { type DraftSync, useDraftSync } from '../drafts';
import { clockTime } from '../format';
import { POLL_WHILE_LIVE_MS, useCoalesced, useLive, useLiveChange } from '../live/useLiveEvents';
import { useChats } from '../state/chats';
import { useSignedIn } from '../state/session';
import { usePolling } from '../usePolling';
import { TrustBanner, useChatMembers } from '../components/TrustBanner';
import { useTrust } from '../state/trust';
import { useSettings } from '../state/settings';
import { type Ticks, ticksFor } from '../../../src/core/receipts';
import { sendsReadReceipts } from '../../../src/core/settings';
import { firstUnread } from '../../../src/core/read-state';

export function ChatScreen({ chatId, drafts: given }: { chatId: string; drafts?: DraftSync }) {
  const { client, session } = useSignedIn();
  const ownDrafts = useDraftSync();
  const drafts = given ?? ownDrafts;
  const conversation = useChats((s) => s.conversations[chatId]);
  const listTitle = useChats((s) => s.list?.find((c) => c.chat.chatId === chatId)?.title);
  const [error, setError] = useState<string | null>(null);
  const logRef = useRef<HTMLOListElement>(null);
  const stickToBottom = useRef(true);
  // "New messages" goes above the first message unread when the chat opened (kept while it stays open).
  const [newFrom, setNewFrom] = useState<{ chatId: string; messageId: string | null } | null>(null);

  const refresh = useCoalesced(async () => {
    try {
      await useChats.getState().openConversation(client, session, chatId);
      setError(null);
      const opened = useChats.getState();
      const records = (opened.conversations[chatId]?.messages ?? []).map((m) => m.record);
      setNewFrom((kept) =>
        kept?.chatId === chatId
          ? kept
          : { chatId, messageId: firstUnread(records, session, opened.prefs[chatId] ?? {}) },
      );
      // Delivered for what reached this phone; read too while the chat is open and visible (unless the user
      // turned read receipts off). Best effort: the next refresh tries again.
      const settings = useSettings.getState().settings ?? (await useSettings.getState().load(client, session));
      const read = document.visibilityState === 'visible' && sendsReadReceipts(settings);
      await useChats
        .getState()
        .acknowledge(client, session, chatId, read)
        .catch(() => undefined);
      // Receipts off: my other devices still learn it was read, from the marker only they can open.
      if (document.visibilityState === 'visible' && !sendsReadReceipts(settings))
        await useChats
          .getState()
          .rememberRead(client, session, chatId)
          .catch(() => undefined);
    } catch (e) {
      setError(explainError(e));
    }
  }, [client, chatId]);
  // New messages and status changes of this chat arrive on the live stream within a second; the poll
  // is the fallback — fast while the stream is down, slow while it is up.
  useLiveChange((change) => {
    // A renamed chat (chat:update) re-reads the conversation too, so the title in the bar follows.
    if ((change.kind === 'messages' || change.kind === 'chats') && change.chatId === chatId) void refresh();
  });
  const live = useLive((s) => s.connected);
  usePolling(
    async () => {
      await refresh();
      // The same poll sends a draft kept while offline and brings drafts written on other devices.
      await drafts.refresh().catch(() => undefined);
    },
    live ? POLL_WHILE_LIVE_MS : 4_000,
    [refresh, drafts],
  );

  const pref = useChats((s) => s.prefs[chatId]);
  // Deleted for me with the chat: what came up to then is gone from this user's view on every device.
  const messages = (conversation?.messages ?? []).filter(
    (m) => !pref || !hiddenByChatDelete(pref, Date.parse(m.record.createdAt)),
  );
  const [selected, setSelected] = useState<ShownMessage | null>(null);
  const [composing, setComposing] = useState<Composing | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<ShownMessage | null>(null);
  const [busy, setBusy] = useState(false);
  const nameOf = (userId: string): string =>
    userId === session.userId
      ? 'You'
      : (messages.find((m) => m.record.senderUserId === userId && m.author.verification === 'verified')?.author
          .displayName ?? 'Someone');

  async function act(action: () => Promise<void>) {
    setBusy(true);
    try {
      await action();
      setError(null);
    } catch (e) {
      setError(explainError(e));
    } finally {
      setBusy(false);
    }
  }

  function choose(choice: MessageActionChoice, message: ShownMessage) {
    setSelected(null);
    if (choice === 'reply') setComposing({ mode: 'reply', message });
    else if (choice === 'edit') setComposing({ mode: 'edit', message });
    else if (choice === 'delete-for-everyone') setConfirmDelete(message);
    else void act(() => useChats.getState().remove(client, session, message, false));
  }

  const lastId = messages[messages.length - 1]?.record.messageId;
  useLayoutEffect(() => {
    const log = logRef.current;
    if (log && stickToBottom.current) log.scrollTop = log.scrollHeight;
  }, [lastId]);

  const title = conversation?.title ?? listTitle ?? 'Chat';
  const members = useChatMembers(chatId);
  useTrust((s) => s.revision);
  const paused = useTrust((s) => (members && s.contacts ? s.contacts.trust(members).sendingPaused : false));
  const showRead = useSettings((s) => (s.settings ? sendsReadReceipts(s.settings) : true));
  const recipients = members ? members.filter((id) => id !== session.userId).length : 1;
  return (
    <div className="chat-screen">
      <AppBar
        title={title}
        back={{ name: 'chats' }}
        subtitle="End-to-end encrypted"
        actions={
          <a className="button secondary small" href={hrefFor({ name: 'chat-info', chatId })}>
            Info
          </a>
        }
      />
      {members && <TrustBanner memberIds={members} />}
      {error && <Notice kind="error">{error}</Notice>}
      <ol
        className="messages"
        ref={logRef}
        role="log"
        aria-label={`Messages in ${title}`}
        aria-live="polite"
        onScroll={(e) => {
          const el = e.currentTarget;
          stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
        }}
      >
        {conversation?.loading && <Spinner label="Decrypting messages…" />}
        {conversation?.nextBefore && (
          <li className="load-earlier">
            <button
              type="button"
              className="button secondary small"
              onClick={() =>
                useChats
                  .getState()
                  .loadEarlier(client, session, chatId)
                  .catch((e: unknown) => setError(explainError(e)))
              }
            >
              Load earlier messages
            </button>
          </li>
        )}
        {conversation && !conversation.loading && !conversation.nextBefore && (
          <li className="chat-start">
            <LockIcon size={18} />
            <span>
              Messages are encrypted on your devices. The server can’t read them.
              {messages.length === 0 ? ' Say hello.' : ''}
            </span>
          </li>
        )}
        {messages.map((m, i) => (
          <Fragment key={m.record.messageId}>
            {newFrom?.chatId === chatId && newFrom.messageId === m.record.messageId && (
              <li className="new-messages-marker" role="separator" aria-label="New messages">
                <span>New messages</span>
              </li>
            )}
            <Bubble
              message={m}
              nameOf={nameOf}
              onSelect={() => setSelected(m)}
              ticks={m.mine ? ticksFor(m.record, recipients, showRead) : null}
              showSender={
                !m.mine &&
                (messages[i - 1]?.record.senderUserId !== m.record.senderUserId ||
                  messages[i - 1]?.author.verification !== m.author.verification)
              }
            />
          </Fragment>
        ))}
      </ol>
      <Composer
        chatId={chatId}
        drafts={drafts}
        onError={setError}
        paused={paused}
        composing={composing}
        nameOf={nameOf}
        onDone={() => setComposing(null)}
      />
      <MessageActionSheet message={selected} onChoose={choose} onClose={() => setSelected(null)} />
      <ConfirmDialog
        open={confirmDelete !== null}
        title="Delete for everyone?"
        confirmLabel="Delete"
        danger
        busy={busy}
        onCancel={() => setConfirmDelete(null)}
        onConfirm={() => {
          const message = confirmDelete;
          setConfirmDelete(null);
          if (message) void act(() => useChats.getState().remove(client, session, message, true));
        }}
      >
        The message is removed from the server and from every member’s devices. They see that a message was deleted.
      </ConfirmDialog>
    </div>
  );
}

/** Replying to a message, or editing one of mine, in the composer. */
type Composing = { readonly mode: 'reply' | 'edit'; readonly message: ShownMessage };

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

function Bubble({
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
  return (
    <li
      className={message.mine ? 'bubble-row mine' : 'bubble-row'}
      data-verification={verification}
      data-edit={message.edit.state}
    >
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
        <p>{body ? shownText(message) : 'This message can’t be decrypted.'}</p>
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
    </li>
  );
}

function Composer({
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
