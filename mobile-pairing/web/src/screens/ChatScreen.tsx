import { Fragment, useLayoutEffect, useRef, useState } from 'react';
import type { ShownMessage } from '../../../src/core/conversations';
import { hiddenByChatDelete } from '../../../../common/content';
import { MessageActionSheet, type MessageActionChoice } from '../components/MessageActionSheet';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { hrefFor } from '../state/router';
import { explainError } from '../../../src/core/explain-error';
import { AppBar, Notice, Spinner } from '../components/chrome';
import { LockIcon } from '../components/icons';
import { Bubble } from '../components/MessageBubble';
import { Composer, type Composing } from '../components/Composer';
import { ImageViewer } from '../components/ImageViewer';
import { OutgoingFiles } from '../components/OutgoingFiles';
import { type DraftSync, useDraftSync } from '../drafts';
import { POLL_WHILE_LIVE_MS, useCoalesced, useLive, useLiveChange } from '../live/useLiveEvents';
import { useChats } from '../state/chats';
import { useSignedIn } from '../state/session';
import { usePolling } from '../usePolling';
import { TrustBanner, useChatMembers } from '../components/TrustBanner';
import { useTrust } from '../state/trust';
import { useSettings } from '../state/settings';
import { ticksFor } from '../../../src/core/receipts';
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
        <OutgoingFiles chatId={chatId} />
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
      <ImageViewer />
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
