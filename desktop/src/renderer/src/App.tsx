import { useEffect } from 'react';
import { MainScreen } from './screens/MainScreen';
import { PairingScreen } from './screens/PairingScreen';
import { actions, useApp } from './state/app-store';

export function App() {
  const loaded = useApp((s) => s.loaded);
  const screen = useApp((s) => s.snapshot?.screen);
  const theme = useApp((s) => s.preferences.theme);
  // 'system' follows the OS (prefers-color-scheme); 'light'/'dark' override it (styles.css).
  useEffect(() => {
    document.documentElement.dataset['theme'] = theme;
  }, [theme]);
  useEffect(() => {
    let off: (() => void) | null = null;
    let cancelled = false;
    void actions.connect().then((unsubscribe) => (cancelled ? unsubscribe() : (off = unsubscribe)));
    return () => {
      cancelled = true;
      off?.();
    };
  }, []);
  if (!loaded) return <p className="loading muted">Starting…</p>;
  return screen === 'main' ? <MainScreen /> : <PairingScreen />;
}
