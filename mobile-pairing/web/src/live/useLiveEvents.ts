import { useEffect, useMemo, useRef } from 'react';
import { create } from 'zustand';
import { useDraftSync } from '../drafts';
import { useSession, useSignedIn } from '../state/session';
import { acceptLiveContacts } from '../state/trust';
import { useChats } from '../state/chats';
import { coalesced, type LiveChange, LiveEvents, type MessageAction } from './live-events';

/** Whether the live stream is up: screens poll slowly while it is, and fast (the fallback) while it isn't. */
export const useLive = create<{ readonly connected: boolean }>(() => ({ connected: false }));

/** Polling intervals: the stream brings changes within a second; polling is the safety net. */
export const POLL_WHILE_LIVE_MS = 30_000;

const listeners = new Set<(change: LiveChange) => void>();

/**
 * Runs the signed-in phone's live stream while the page is visible (closed when hidden — a locked phone
 * holds no connection; reopened on return, asking for the changes since the last one seen). Handles what
 * belongs to the whole app — drafts, this phone being unlinked — and hands the rest to the screens
 * (`useLiveChange`). Rendered once, by the signed-in app.
 */
export function useLiveEvents(): void {
  const { client, session } = useSignedIn();
  const drafts = useDraftSync();
  // The session object changes with each token refresh; the stream must not restart for that.
  const latestSession = useRef(session);
  latestSession.current = session;
  useEffect(() => {
    const applyLiveAction = (action: MessageAction) =>
      useChats
        .getState()
        .applyAction(client, latestSession.current, action)
        .catch(() => undefined);
    const refreshDrafts = coalesced(() => drafts.refresh().catch(() => undefined));
    const live = new LiveEvents({
      baseUrl: client.baseUrl,
      ticket: async () => (await client.call('createSseTicket', {})).ticket,
      onStatus: (connected) => useLive.setState({ connected }),
      onChange: (change) => {
        // This phone unlinked elsewhere: sign out at once. Another device unlinked: screens refresh (Devices).
        if (change.kind === 'revoked' && change.deviceId === session.deviceId) {
          void useSession.getState().unlinked();
          return;
        }
        if (change.kind === 'drafts') void refreshDrafts();
        if (change.kind === 'contacts') acceptLiveContacts(change.record);
        if (change.kind === 'settings') useChats.getState().acceptSettings(change.record);
        // Edits, deletes and hides apply to whatever of the chat is loaded, shown or not.
        if (change.kind === 'message-action') void applyLiveAction(change.action);
        for (const listener of listeners) listener(change);
      },
    });
    const follow = () => (document.visibilityState === 'visible' ? live.start() : live.stop());
    follow();
    document.addEventListener('visibilitychange', follow);
    return () => {
      document.removeEventListener('visibilitychange', follow);
      live.stop();
    };
  }, [client, session.deviceId, drafts]);
}

/** Calls `listener` for every live change while the component is mounted (the latest closure is used). */
export function useLiveChange(listener: (change: LiveChange) => void): void {
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => {
    const forward = (change: LiveChange) => latest.current(change);
    listeners.add(forward);
    return () => void listeners.delete(forward);
  }, []);
}

/**
 * `task` wrapped so the poll and the live events never run it twice at once (a call while it runs
 * schedules one more run). The latest closure is used; `deps` say when it is a different task.
 */
export function useCoalesced(task: () => Promise<void>, deps: readonly unknown[]): () => Promise<void> {
  const latest = useRef(task);
  latest.current = task;
  return useMemo(() => coalesced(() => latest.current()), deps);
}
