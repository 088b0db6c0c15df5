import { create } from 'zustand';
import type { ChatTrustView, SafetyNumberView } from '../../../../../common/contract/ipc';
import { call, on } from '../symc';

interface TrustState {
  /** The open chat's members' key state; null when no chat is open. */
  readonly chatId: string | null;
  readonly trust: ChatTrustView | null;
  /** The safety number dialog's contact, when open. */
  readonly safety: SafetyNumberView | null;
  readonly error: string | null;
}

export const useTrust = create<TrustState>(() => ({ chatId: null, trust: null, safety: null, error: null }));
const set = useTrust.setState;
const get = useTrust.getState;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Identity state for the open chat: warnings ("X's safety number changed"), safety numbers, the verified mark. */
export const trustActions = {
  /** Follows pin changes (from any device of the user) while the app runs. */
  connect(): () => void {
    return on('contactsChanged', () => {
      void trustActions.refresh();
      const safety = get().safety;
      if (safety) void trustActions.showSafetyNumber(safety.userId);
    });
  },
  async load(chatId: string | null): Promise<void> {
    set({ chatId, trust: null, error: null });
    if (chatId) await trustActions.refresh();
  },
  async refresh(): Promise<void> {
    const chatId = get().chatId;
    if (!chatId) return;
    try {
      const trust = await call('getChatTrust', { chatId });
      if (get().chatId === chatId) set({ trust });
    } catch (error) {
      set({ error: message(error) });
    }
  },
  async showSafetyNumber(userId: string): Promise<void> {
    try {
      set({ safety: await call('getSafetyNumber', { userId }), error: null });
    } catch (error) {
      set({ error: message(error) });
    }
  },
  closeSafetyNumber(): void {
    set({ safety: null });
  },
  async setVerified(userId: string, verified: boolean): Promise<void> {
    try {
      set({ safety: await call('setContactVerified', { userId, verified }), error: null });
      await trustActions.refresh();
    } catch (error) {
      set({ error: message(error) });
    }
  },
  async keepPinned(userId: string): Promise<void> {
    try {
      await call('keepPinnedKeys', { userId });
      await trustActions.refresh();
    } catch (error) {
      set({ error: message(error) });
    }
  },
  async acknowledge(userId: string): Promise<void> {
    try {
      await call('acknowledgeKeyChange', { userId });
      await trustActions.refresh();
    } catch (error) {
      set({ error: message(error) });
    }
  },
};
