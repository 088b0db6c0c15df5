import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import type { MessageView } from '../../../../../common/contract/ipc';

export interface FollowLatest {
  /** For VirtualList: changes when the view should go to the newest message. */
  readonly scrollToEnd: number;
  readonly onAtBottomChange: (atBottom: boolean) => void;
  /** The first message that arrived while the user was reading further up ("New messages" goes above it). */
  readonly firstUnseenId: string | null;
  /** "Jump to latest" (with how many arrived meanwhile), shown while the newest message is out of view. */
  readonly jumpButton: ReactNode;
}

/**
 * Where the open chat's view stands relative to its newest message: scrolled up, messages from others
 * arriving are counted and marked instead of moving the view; the user's own send (from here or another of
 * their devices) brings the view down to it.
 */
export function useFollowLatest(chatId: string, messages: readonly MessageView[]): FollowLatest {
  const [atBottom, setAtBottom] = useState(true);
  const [scrollToEnd, setScrollToEnd] = useState(0);
  // The marker stays where it was put once the user has gone down; the count is of what they haven't seen.
  const [markerId, setMarkerId] = useState<string | null>(null);
  const [unseen, setUnseenState] = useState(0);
  const unseenRef = useRef(0);
  const setUnseen = (count: number) => {
    unseenRef.current = count;
    setUnseenState(count);
  };
  const atBottomRef = useRef(true);
  const seen = useRef<{ chatId: string; lastId: string | null } | null>(null);
  const last = messages[messages.length - 1];

  useEffect(() => {
    const previous = seen.current;
    seen.current = { chatId, lastId: last?.messageId ?? null };
    if (!previous || previous.chatId !== chatId) {
      setUnseen(0);
      setMarkerId(null);
      return;
    }
    if (!last || previous.lastId === last.messageId) return;
    if (last.mine) {
      setUnseen(0);
      setMarkerId(null);
      setScrollToEnd((n) => n + 1);
      return;
    }
    if (atBottomRef.current) return;
    const from = previous.lastId === null ? -1 : messages.findIndex((m) => m.messageId === previous.lastId);
    const arrived = messages.slice(from + 1).filter((m) => !m.mine);
    if (arrived.length === 0) return;
    if (unseenRef.current === 0) setMarkerId(arrived[0]!.messageId);
    setUnseen(unseenRef.current + arrived.length);
    // Only when the newest message changes (a new one arrived), not on every patch of older ones.
  }, [chatId, last?.messageId]);

  const onAtBottomChange = useCallback((value: boolean) => {
    atBottomRef.current = value;
    setAtBottom(value);
    if (value) setUnseen(0);
  }, []);

  const jumpButton = atBottom ? null : (
    <button type="button" className="jump-latest" onClick={() => setScrollToEnd((n) => n + 1)}>
      {unseen > 0 ? `${unseen} new message${unseen === 1 ? '' : 's'} ↓` : 'Jump to latest ↓'}
    </button>
  );
  return { scrollToEnd, onAtBottomChange, firstUnseenId: markerId, jumpButton };
}

export function NewMessagesMarker() {
  return (
    <div className="new-messages-marker" role="separator" aria-label="New messages">
      <span>New messages</span>
    </div>
  );
}
