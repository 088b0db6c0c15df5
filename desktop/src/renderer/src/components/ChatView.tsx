import { useCallback } from 'react';
import type { MessageView } from '../../../../../common/contract/ipc';
import { type ActiveChat, actions } from '../state/app-store';
import { Composer } from './Composer';
import { MessageBubble } from './MessageBubble';
import { VirtualList } from './VirtualList';

const keyOf = (m: MessageView) => m.messageId;

export function ChatView({ active, offline }: { active: ActiveChat; offline: boolean }) {
  const render = useCallback((m: MessageView) => <MessageBubble message={m} focused={m.messageId === active.focusMessageId} />, [active.focusMessageId]);
  const onReachTop = useCallback(() => void actions.loadOlder(), []);
  return (
    <section className="chat-view" aria-labelledby="chat-title">
      <header className="chat-header">
        <h2 id="chat-title">{active.chat.title}</h2>
        <span className="muted small">{active.messages.length}{active.hasMore ? '+' : ''} messages · end-to-end encrypted</span>
      </header>
      <VirtualList items={active.messages} keyOf={keyOf} render={render} estimate={68} label="Messages" focusKey={active.focusMessageId} onReachTop={onReachTop} />
      <Composer key={active.chatId} chatId={active.chatId} draft={active.draft} offline={offline} />
    </section>
  );
}
