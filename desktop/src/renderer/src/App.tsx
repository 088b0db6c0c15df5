import { useEffect } from 'react';
import { MainScreen } from './screens/MainScreen';
import { PairingScreen } from './screens/PairingScreen';
import { actions, useApp } from './state/app-store';

export function App() {
  const loaded = useApp((s) => s.loaded);
  const screen = useApp((s) => s.snapshot?.screen);
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
