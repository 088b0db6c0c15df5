import { create } from 'zustand';
import type { ApiClient } from '../../../../common/contract';
import { createAccount, type PhoneDeviceInfo, type PhoneSession, signIn } from '../../../src/core/account';
import { setContactsPersistence } from '../../../src/core/contacts';
import { createPhoneClient, type SessionEnd } from '../../../src/core/phone-client';
import { ensureSigningKey } from '../../../src/core/signing-key';
import { openDeviceVault } from '../storage/device-vault';
import { useSettings } from './settings';
import { useChats } from './chats';
import { attachmentActions } from './attachments';
import { resetTrust } from './trust';

export type SessionState =
  | { readonly status: 'starting' }
  | { readonly status: 'signed-out'; readonly notice: string | null }
  | { readonly status: 'signed-in'; readonly session: PhoneSession; readonly client: ApiClient };

interface SessionStore {
  readonly state: SessionState;
  /** False when this browser can't keep the session (no secure context): it lives in memory only. */
  readonly persistent: boolean;
  restore(): Promise<void>;
  signUp(username: string, password: string): Promise<void>;
  signIn(username: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  /** The server said (on the live stream) that this phone was unlinked: wipe it, as a refused call would. */
  unlinked(): Promise<void>;
}

const vault = openDeviceVault();
setContactsPersistence({
  load: (userId) => vault.loadContacts(userId),
  save: (userId, record) => vault.saveContacts(userId, record),
});
const serverUrl = window.location.origin;
const publicClient = createPhoneClient({
  baseUrl: serverUrl,
  tokens: () => null,
  onTokens: () => {},
  onSessionEnded: () => {},
});

const END_NOTICES: Record<SessionEnd, string> = {
  revoked: 'This phone was unlinked from your account. Sign in again to use it.',
  expired: 'Your session has ended. Sign in again.',
};

function thisDevice(): PhoneDeviceInfo {
  const ua = navigator.userAgent;
  const platform = /iPhone|iPad|iPod/.test(ua) ? 'ios' : /Android/.test(ua) ? 'android' : 'web';
  const model = platform === 'ios' ? 'iPhone' : platform === 'android' ? 'Android phone' : 'Browser';
  return { name: `${model} (web app)`, platform };
}

/** Lets the "Creating your keys…" state paint before Argon2id holds the main thread for a moment. */
const nextPaint = () => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

export const useSession = create<SessionStore>()((set, get) => {
  function clientFor(session: PhoneSession): ApiClient {
    return createPhoneClient({
      baseUrl: serverUrl,
      tokens: () => {
        const s = get().state;
        return s.status === 'signed-in' && s.session.deviceId === session.deviceId ? s.session.tokens : null;
      },
      onTokens: async (tokens) => {
        const s = get().state;
        if (s.status !== 'signed-in') return;
        const next = { ...s.session, tokens };
        set({ state: { ...s, session: next } });
        await vault.save(next);
      },
      onSessionEnded: (why) => end(END_NOTICES[why]),
    });
  }

  async function begin(session: PhoneSession): Promise<void> {
    await vault.save(session);
    set({ state: { status: 'signed-in', session, client: clientFor(session) } });
    void upgradeSigning();
  }

  /**
   * An account (or a stored session) from before message signing gets its signing key at the phone's next
   * sign-in or start — fetched if another phone made it, else made here. Best effort: until it is there,
   * messages go unsigned (recipients see them unverified); the next start tries again.
   */
  async function upgradeSigning(): Promise<void> {
    const s = get().state;
    if (s.status !== 'signed-in' || s.session.signing) return;
    try {
      const upgraded = await ensureSigningKey(s.client, s.session);
      const now = get().state;
      if (now.status !== 'signed-in' || now.session.deviceId !== upgraded.deviceId) return;
      const next = { ...now.session, signing: upgraded.signing };
      set({ state: { ...now, session: next } });
      await vault.save(next);
    } catch {
      // Offline or refused: retried at the next start.
    }
  }

  async function end(notice: string | null): Promise<void> {
    const s = get().state;
    if (s.status === 'signed-in') {
      // Decrypted data and keys go with the session; JS can't promise the bytes are gone, but we drop them.
      s.session.masterKey.fill(0);
      s.session.identity.secretKey.fill(0);
      s.session.signing?.secretKey.fill(0);
    }
    useChats.getState().reset();
    attachmentActions.reset();
    useSettings.getState().reset();
    resetTrust(s.status === 'signed-in' ? s.session : null);
    set({ state: { status: 'signed-out', notice } });
    await vault.wipe();
  }

  return {
    state: { status: 'starting' },
    persistent: vault.persistent,
    async restore() {
      const session = await vault.load().catch(() => null);
      if (session) {
        set({ state: { status: 'signed-in', session, client: clientFor(session) } });
        void upgradeSigning();
      } else set({ state: { status: 'signed-out', notice: null } });
    },
    async signUp(username, password) {
      await nextPaint();
      await begin(await createAccount(publicClient, { username, password, device: thisDevice() }));
    },
    async signIn(username, password) {
      await nextPaint();
      await begin(await signIn(publicClient, { username, password, device: thisDevice() }));
    },
    async signOut() {
      const s = get().state;
      if (s.status === 'signed-in') {
        // Unlink this phone rather than only ending its session, so it doesn't count against the device cap.
        await s.client.call('revokeDevice', { params: { deviceId: s.session.deviceId } }).catch(() => undefined);
      }
      await end(null);
    },
    async unlinked() {
      if (get().state.status === 'signed-in') await end(END_NOTICES.revoked);
    },
  };
});

/** The signed-in session; only for components rendered inside the signed-in app. */
export function useSignedIn(): Extract<SessionState, { status: 'signed-in' }> {
  const state = useSession((s) => s.state);
  if (state.status !== 'signed-in') throw new Error('useSignedIn outside the signed-in app');
  return state;
}
