import { useCallback, useEffect } from 'react';
import type { MessageView } from '../../../../../common/contract/ipc';
import { type ActiveChat, actions } from '../state/app-store';
import { Composer } from './Composer';
import { MessageBubble } from './MessageBubble';
import { VirtualList } from './VirtualList';
import { NewMessagesMarker, useFollowLatest } from './FollowLatest';
import { trustActions, useTrust } from '../state/trust-store';
import { SafetyNumberDialog } from './SafetyNumberDialog';
import { TrustBanner } from './TrustBanner';
import { ChatPrefsMenu } from './ChatPrefsMenu';
import { ImageViewer, OutgoingFiles, useFileDrop } from './Attachments';
import { MembersPanel } from './MembersPanel';
import { groupActions } from '../state/group-store';

const keyOf = (m: MessageView) => m.messageId;

export function ChatView({ active, offline }: { active: ActiveChat; offline: boolean }) {
  const follow = useFollowLatest(active.chatId, active.messages);
  const render = useCallback(
    (m: MessageView) => (
      <>
        {m.messageId === follow.firstUnseenId && <NewMessagesMarker />}
        <MessageBubble message={m} focused={m.messageId === active.focusMessageId} />
      </>
    ),
    [active.focusMessageId, follow.firstUnseenId],
  );
  const onReachTop = useCallback(() => void actions.loadOlder(), []);
  useEffect(() => {
    void trustActions.load(active.chatId);
  }, [active.chatId]);
  useEffect(() => trustActions.connect(), []);
  const paused = useTrust((s) => s.trust?.sendingPaused ?? false);
  const drop = useFileDrop(active.chatId, !paused);
  return (
    <section className={`chat-view ${drop.over ? 'drop-target' : ''}`} aria-labelledby="chat-title" {...drop.handlers}>
      <header className="chat-header">
        <h2 id="chat-title">{active.chat.title}</h2>
        <span className="muted small">
          {active.messages.length}
          {active.hasMore ? '+' : ''} messages · end-to-end encrypted
        </span>
        <button
          type="button"
          className="ghost pin-toggle"
          aria-pressed={active.chat.pinned}
          title={
            active.chat.pinned
              ? 'Pinned chats stay at the top and are never removed to save space'
              : 'Keep this chat at the top, and always on this desktop'
          }
          onClick={() => void actions.setPinned(active.chatId, !active.chat.pinned)}
        >
          {active.chat.pinned ? 'Unpin chat' : 'Pin chat'}
        </button>
        <ChatPrefsMenu chat={active.chat} />
        <button type="button" className="ghost" onClick={() => void groupActions.openMembers(active.chatId)}>
          Members
        </button>
      </header>
      <MembersPanel chatId={active.chatId} title={active.chat.title} />
      <TrustBanner />
      <div className="message-pane">
        <VirtualList
          items={active.messages}
          keyOf={keyOf}
          render={render}
          estimate={68}
          label="Messages"
          focusKey={active.focusMessageId}
          onReachTop={onReachTop}
          scrollToEnd={follow.scrollToEnd}
          onAtBottomChange={follow.onAtBottomChange}
        />
        {follow.jumpButton}
      </div>
      <OutgoingFiles chatId={active.chatId} />
      <Composer key={active.chatId} chatId={active.chatId} draft={active.draft} offline={offline} paused={paused} />
      <SafetyNumberDialog />
      <ImageViewer />
    </section>
  );
}
