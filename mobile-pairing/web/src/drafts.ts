import { useMemo } from 'react';
import type { ApiClient } from '../../../common/contract';
import type { PhoneSession } from '../../src/core/account';
import { DraftTooLongError, PhoneDrafts } from '../../src/core/drafts';
import type { DraftStorage } from '../../src/core/drafts-store';
import { useSession, useSignedIn } from './state/session';

/**
 * What the chat composer uses for shared drafts (issue 7). The real one (`useDraftSync`) is the phone
 * library's PhoneDrafts: the text is encrypted under the master key 1.2 s after the last keystroke and
 * synced through PUT /chats/:id/draft; other devices' drafts come in with the screen's polling
 * (`refresh`). `noDraftSync` remains for screens rendered without a signed-in session (and tests).
 */
export interface DraftSync {
  /** The chat's current draft text, or null. */
  load(chatId: string): Promise<string | null>;
  /** Called on every edit; an empty text deletes the draft. Returns a sentence for the user when the text is refused. */
  changed(chatId: string, text: string): string | null;
  /** Called after the text was sent as a message. */
  sent(chatId: string): void;
  /** The draft as it is now (typed here, or from another device), or null. */
  read(chatId: string): string | null;
  /** Whether this chat has an edit not on the server yet (then incoming drafts must not replace the text). */
  isPending(chatId: string): boolean;
  /** Sends what is pending and takes newer drafts from other devices (the screen's polling calls it). */
  refresh(): Promise<void>;
  /** Called when the chat's draft may have changed. */
  onChange(chatId: string, listener: () => void): () => void;
  /** Called with the chat id whenever any chat's draft may have changed (the chat list's markers). */
  onAnyChange(listener: (chatId: string) => void): () => void;
  /** The longest draft accepted (the composer's maxlength). */
  readonly maxChars: number;
}

export const noDraftSync: DraftSync = {
  load: async () => null,
  changed: () => null,
  sent: () => {},
  read: () => null,
  isPending: () => false,
  refresh: async () => {},
  onChange: () => () => {},
  onAnyChange: () => () => {},
  maxChars: 10_000,
};

function adapt(drafts: PhoneDrafts): DraftSync {
  return {
    load: (chatId) => drafts.load(chatId),
    changed(chatId, text) {
      try {
        drafts.edit(chatId, text);
        return null;
      } catch (error) {
        if (error instanceof DraftTooLongError) return error.message;
        throw error;
      }
    },
    sent(chatId) {
      drafts.edit(chatId, '');
      void drafts.flush().catch(() => undefined);
    },
    read: (chatId) => drafts.read(chatId),
    isPending: (chatId) => drafts.isPending(chatId),
    refresh: () => drafts.refresh(),
    onChange: (chatId, listener) => drafts.onChange((changed) => changed === chatId && listener()),
    onAnyChange: (listener) => drafts.onChange(listener),
    get maxChars() {
      return drafts.maxChars;
    },
  };
}

/**
 * Drafts kept across page loads in localStorage, per device: envelopes under the master key, versions
 * and device ids only — unreadable without the key the vault holds — so a draft typed offline survives
 * the tab closing and is sent when the network is back. Sign-out clears it (PhoneDrafts.close).
 */
function localDraftStorage(deviceId: string): DraftStorage {
  const key = `symc.drafts.${deviceId}`;
  return {
    load: () => {
      try {
        return JSON.parse(localStorage.getItem(key) ?? '[]') as unknown;
      } catch {
        return [];
      }
    },
    save: (drafts) => {
      if (drafts.length === 0) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(drafts));
    },
  };
}

/** One PhoneDrafts per signed-in phone device; a different session (or sign-out) closes the previous one. */
let current: { deviceId: string; drafts: PhoneDrafts; sync: DraftSync; off: () => void } | null = null;

function draftSyncFor(client: ApiClient, session: PhoneSession): DraftSync {
  if (current?.deviceId === session.deviceId) return current.sync;
  current?.off();
  current?.drafts.close();
  const drafts = new PhoneDrafts({ client, session, storage: localDraftStorage(session.deviceId) });
  // Leaving the page (app switch, lock): save what was typed without waiting for the delay.
  const onHide = () => {
    if (document.visibilityState === 'hidden') void drafts.flush().catch(() => undefined);
  };
  document.addEventListener('visibilitychange', onHide);
  current = {
    deviceId: session.deviceId,
    drafts,
    sync: adapt(drafts),
    off: () => document.removeEventListener('visibilitychange', onHide),
  };
  return current.sync;
}

// Signing out (or being unlinked) ends the drafts with the session: timers stop, ciphertexts are dropped.
useSession.subscribe((store) => {
  if (store.state.status === 'signed-in' || !current) return;
  current.off();
  current.drafts.close();
  current = null;
});

/** The signed-in phone's drafts. */
export function useDraftSync(): DraftSync {
  const { client, session } = useSignedIn();
  return useMemo(() => draftSyncFor(client, session), [client, session.deviceId]);
}
