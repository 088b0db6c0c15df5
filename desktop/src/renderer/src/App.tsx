import { useEffect } from 'react';
import { MainScreen } from './screens/MainScreen';
import { PairingScreen } from './screens/PairingScreen';
import { actions, useApp } from './state/app-store';

export function App() {
  const loaded = useApp((s) => s.loaded);
  const screen = useApp((s) => s.snapshot?.screen);
  const theme = useApp((s) => s.preferences.theme);
  // The page is light or dark (styles.css); 'system' follows the OS, live, through prefers-color-scheme.
  useEffect(() => {
    const system = window.matchMedia('(prefers-color-scheme: dark)');
    const apply = () => {
      document.documentElement.dataset['theme'] = theme === 'system' ? (system.matches ? 'dark' : 'light') : theme;
    };
    apply();
    system.addEventListener('change', apply);
    return () => system.removeEventListener('change', apply);
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
