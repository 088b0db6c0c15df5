import { useState } from 'react';
import type { ChatListEntry } from '../../../../../common/contract/ipc';
import { call } from '../symc';
import { actions, useApp } from '../state/app-store';

/**
 * Mute, archive, delete for me (docs/MESSAGES.md "Chat preferences"): synced encrypted to the user's other
 * devices; the list entry changes when the settings do (a chatsChanged event), here and there.
 */
export function ChatPrefsMenu({ chat }: { chat: ChatListEntry }) {
  const [confirming, setConfirming] = useState(false);
  const run = (fn: () => Promise<unknown>) =>
    void fn().catch((error: unknown) =>
      useApp.setState({ notice: error instanceof Error ? error.message : String(error) }),
    );
  return (
    <span className="chat-prefs">
      <button
        type="button"
        className="ghost"
        aria-pressed={chat.muted === true}
        title="No notifications for this chat, on all your devices"
        onClick={() => run(() => call('setChatMuted', { chatId: chat.chatId, muted: !chat.muted }))}
      >
        {chat.muted ? 'Unmute' : 'Mute'}
      </button>
      <button
        type="button"
        className="ghost"
        aria-pressed={chat.archived === true}
        title="Move to the Archived section, on all your devices"
        onClick={() => run(() => call('setChatArchived', { chatId: chat.chatId, archived: !chat.archived }))}
      >
        {chat.archived ? 'Unarchive' : 'Archive'}
      </button>
      {confirming ? (
        <>
          <button
            type="button"
            className="danger"
            onClick={() =>
              run(async () => {
                setConfirming(false);
                await call('deleteChatForMe', { chatId: chat.chatId });
                await actions.closeChat();
              })
            }
          >
            Delete for me
          </button>
          <button type="button" className="ghost" onClick={() => setConfirming(false)}>
            Keep
          </button>
        </>
      ) : (
        <button
          type="button"
          className="ghost"
          title="Remove this chat and its messages from all your devices until someone writes again"
          onClick={() => setConfirming(true)}
        >
          Delete chat…
        </button>
      )}
    </span>
  );
}
