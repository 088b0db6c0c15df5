import { useEffect, useRef } from 'react';
import { ChatList } from '../components/ChatList';
import { ChatView } from '../components/ChatView';
import { SearchResults } from '../components/SearchResults';
import { SyncProgressPanel } from '../components/SyncProgressPanel';
import { UpdateBanner } from '../components/UpdateBanner';
import { actions, useApp } from '../state/app-store';
import { SettingsDialog } from './SettingsDialog';
import { NewChatDialog } from '../components/NewChatDialog';
import { groupActions } from '../state/group-store';

/** Signed in: sidebar (search, sync, chats) and the open chat. Ctrl/Cmd+K searches, Escape clears. */
export function MainScreen() {
  const { snapshot, sync, chats, active, query, results, searchReady, settingsOpen, notice, linkNotice, update } =
    useApp();
  const searchBox = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        searchBox.current?.focus();
      }
      if ((event.ctrlKey || event.metaKey) && event.key === ',') {
        event.preventDefault();
        actions.setSettingsOpen(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const offline = sync?.connection === 'offline';
  return (
    <div className="main-screen">
      <aside className="sidebar">
        <header className="sidebar-header">
          <div className="brand">
            <span className="brand-mark small" aria-hidden="true">
              S
            </span>
            <span>Symc</span>
          </div>
          <button type="button" className="ghost" onClick={() => groupActions.openNewChat()}>
            New chat
          </button>
          <button
            type="button"
            className="ghost"
            aria-label="Settings"
            title="Settings (Ctrl+,)"
            onClick={() => actions.setSettingsOpen(true)}
          >
            ⚙
          </button>
        </header>
        <div className="search" role="search">
          <input
            id="search-box"
            ref={searchBox}
            type="search"
            placeholder="Search (Ctrl+K)"
            aria-label="Search chats, messages and drafts"
            value={query}
            onChange={(e) => void actions.search(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') void actions.search('');
              if (e.key === 'ArrowDown') {
                e.preventDefault();
                document.querySelector<HTMLButtonElement>('.search-results button')?.focus();
              }
            }}
          />
        </div>
        {sync && <SyncProgressPanel sync={sync} />}
        {update && <UpdateBanner update={update} />}
        <nav className="chats-nav" aria-label="Chats">
          {query.trim() ? (
            <SearchResults results={results} query={query} ready={searchReady} />
          ) : (
            <ChatList chats={chats} activeId={active?.chatId ?? null} />
          )}
        </nav>
      </aside>
      <main className="content">
        {(notice || linkNotice) && (
          <div className="notice" role="status">
            {notice ?? `Opened link: ${linkNotice}. Pairing links are for your phone: scan or paste them there.`}
            <button type="button" className="ghost" aria-label="Dismiss" onClick={() => actions.dismissNotice()}>
              ✕
            </button>
          </div>
        )}
        {active ? (
          <ChatView active={active} offline={offline} />
        ) : (
          <div className="placeholder">
            <h2>{chats.length > 0 ? 'Choose a chat' : 'Syncing your chats…'}</h2>
            <p className="muted">Messages are decrypted on this device only.</p>
          </div>
        )}
      </main>
      <NewChatDialog />
      {settingsOpen && snapshot?.account && <SettingsDialog username={snapshot.account.username} />}
    </div>
  );
}
