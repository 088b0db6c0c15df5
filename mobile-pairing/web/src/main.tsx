import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { initCrypto } from '../../../common/crypto';
import { App } from './App';
import './styles.css';

/** libsodium (WebAssembly) must be ready before anything renders: every crypto call after this is synchronous. */
async function boot(): Promise<void> {
  const root = createRoot(document.getElementById('root')!);
  try {
    await initCrypto();
  } catch (error) {
    document.getElementById('root')!.textContent =
      `This browser can’t run Symc’s encryption (${(error as Error).message}).`;
    throw error;
  }
  root.render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
  registerServiceWorker();
}

/** App-shell caching for offline start and installability; never for API responses (see sw/service-worker.ts). */
function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  const base = import.meta.env.BASE_URL;
  navigator.serviceWorker.register(`${base}sw.js`, { scope: base }).catch((error: unknown) => {
    console.warn('service worker not registered', error);
  });
}

void boot();
