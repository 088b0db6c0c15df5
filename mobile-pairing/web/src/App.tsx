import { useEffect } from 'react';
import { Spinner, TabBar } from './components/chrome';
import { ChatListScreen } from './screens/ChatListScreen';
import { ChatInfoScreen } from './screens/ChatInfoScreen';
import { ChatScreen } from './screens/ChatScreen';
import { DevicesScreen } from './screens/DevicesScreen';
import { LinkDesktopScreen } from './screens/LinkDesktopScreen';
import { NewChatScreen } from './screens/NewChatScreen';
import { SafetyNumberScreen } from './screens/SafetyNumberScreen';
import { WelcomeScreen } from './screens/WelcomeScreen';
import { useLive, useLiveEvents } from './live/useLiveEvents';
import { useRoute } from './state/router';
import { useSession } from './state/session';

export function App() {
  const status = useSession((s) => s.state.status);
  useEffect(() => {
    void useSession.getState().restore();
  }, []);

  if (status === 'starting') {
    return (
      <main className="boot">
        <Spinner label="Opening Symc…" />
      </main>
    );
  }
  if (status === 'signed-out') return <WelcomeScreen />;
  return <SignedInApp />;
}

function SignedInApp() {
  const route = useRoute((s) => s.route);
  useLiveEvents();
  const live = useLive((s) => s.connected);
  // A conversation takes the whole screen (its composer sits where the tab bar would be).
  const fullScreen = route.name === 'chat';
  return (
    // data-live: whether changes arrive on the stream or by polling (for tests and debugging).
    <div className={fullScreen ? 'shell full' : 'shell'} data-live={live ? 'stream' : 'polling'}>
      {route.name === 'chats' && <ChatListScreen />}
      {route.name === 'new-chat' && <NewChatScreen />}
      {route.name === 'chat' && <ChatScreen key={route.chatId} chatId={route.chatId} />}
      {route.name === 'chat-info' && <ChatInfoScreen key={route.chatId} chatId={route.chatId} />}
      {route.name === 'link' && <LinkDesktopScreen />}
      {route.name === 'devices' && <DevicesScreen />}
      {route.name === 'safety' && <SafetyNumberScreen key={route.userId} userId={route.userId} />}
      {!fullScreen && <TabBar />}
    </div>
  );
}
