import { create } from 'zustand';
import type {
  AppSnapshot,
  ChatListEntry,
  IpcEventPayload,
  MessageView,
  PairingView,
  PreferencesView,
  SearchResult,
  SyncView,
  UpdateView,
} from '../../../../../common/contract/ipc';
import { call, on, SymcError } from '../symc';
import { patchChatList, patchMessages } from './patches';

export interface ActiveChat {
  readonly chatId: string;
  readonly chat: ChatListEntry;
  readonly messages: MessageView[];
  readonly hasMore: boolean;
  readonly draft: string;
  /** A message to scroll to and highlight (opened from search). */
  readonly focusMessageId: string | null;
}

interface AppState {
  readonly loaded: boolean;
  readonly snapshot: AppSnapshot | null;
  readonly pairing: PairingView;
  readonly sync: SyncView | null;
  readonly chats: ChatListEntry[];
  readonly active: ActiveChat | null;
  readonly query: string;
  readonly results: SearchResult[];
  readonly searchReady: boolean;
  readonly settingsOpen: boolean;
  readonly notice: string | null;
  readonly linkNotice: string | null;
  /** The auto-updater's state (an offer shows as a banner); null until known. */
  readonly update: UpdateView | null;
  /** The user's synced preferences (defaults until the desktop is linked and has them). */
  readonly preferences: PreferencesView;
}

const initial: AppState = {
  loaded: false,
  snapshot: null,
  pairing: { kind: 'idle' },
  sync: null,
  chats: [],
  active: null,
  query: '',
  results: [],
  searchReady: false,
  settingsOpen: false,
  notice: null,
  linkNotice: null,
  update: null,
  preferences: { theme: 'system', notifications: 'all', sendOnEnter: true, sendReadReceipts: true },
};

export const useApp = create<AppState>(() => initial);

const set = useApp.setState;
const get = useApp.getState;

/** The last opened chat opens by itself once, the first time it is on this desktop. */
let autoOpened = false;
let searchSeq = 0;

function report(error: unknown): void {
  set({ notice: error instanceof SymcError || error instanceof Error ? error.message : String(error) });
}

async function applySnapshot(snapshot: AppSnapshot): Promise<void> {
  const wasMain = get().snapshot?.screen === 'main';
  set({ snapshot, pairing: snapshot.pairing, sync: snapshot.sync, loaded: true });
  if (snapshot.screen === 'pairing') {
    if (wasMain) {
      autoOpened = false;
      set({ chats: [], active: null, query: '', results: [], settingsOpen: false });
    }
    if (snapshot.pairing.kind === 'idle') await actions.startPairing();
    return;
  }
  set({ preferences: await call('getPreferences', {}) });
  await actions.refreshChats();
}

/** The last opened chat opens by itself once, when it is on this desktop and nothing else is open. */
async function autoOpen(): Promise<void> {
  if (autoOpened || get().active) return;
  const snapshot = await call('getState', {});
  set({ snapshot, sync: snapshot.sync });
  const last = snapshot.lastOpenedChatId;
  if (last && get().chats.some((c) => c.chatId === last)) {
    autoOpened = true;
    await actions.openChat(last);
  }
}

/** Patches the list (and the open chat's header) from the entries the event carries: no refetch. */
async function chatsChanged({ chatIds, chats }: IpcEventPayload<'chatsChanged'>): Promise<void> {
  if (get().snapshot?.screen !== 'main') return;
  const before = new Set(get().chats.map((c) => c.chatId));
  set({ chats: patchChatList(get().chats, chatIds, chats) });
  const active = get().active;
  const entry = active && chats.find((c) => c.chatId === active.chatId);
  // The open chat left this desktop (left, removed from it, evicted): nothing of it stays on screen.
  if (active && !entry && chatIds.includes(active.chatId) && !get().chats.some((c) => c.chatId === active.chatId))
    await actions.closeChat();
  if (active && entry) {
    set({ active: { ...active, chat: entry } });
    // Read where the user is looking: new messages in the open chat of a focused window.
    if (entry.unread > 0 && document.hasFocus()) await actions.markRead();
  }
  if (chats.some((c) => !before.has(c.chatId))) await autoOpen();
  if (get().query) await actions.search(get().query);
}

/** Patches the open chat's messages from the views the event carries; without them, reads the chat again. */
function messagesChanged({ chatId, messageIds, messages }: IpcEventPayload<'messagesChanged'>): void {
  const active = get().active;
  if (active?.chatId !== chatId) return;
  if (!messages) {
    void actions.refreshActive().catch(report);
    return;
  }
  set({ active: { ...active, messages: patchMessages(active.messages, active.hasMore, messageIds, messages) } });
}

export const actions = {
  /** Loads the app's state and follows its events. Returns the unsubscribe. */
  async connect(): Promise<() => void> {
    const offs = [
      on('appState', (s) => void applySnapshot(s).catch(report)),
      on('pairingState', (pairing) => set({ pairing })),
      on('syncProgress', (sync) => set({ sync })),
      on('chatsChanged', (change) => void chatsChanged(change).catch(report)),
      on('messagesChanged', (change) => messagesChanged(change)),
      // Why it ended is part of the pairing screen's snapshot (SessionEndNotice), kept across restarts.
      on('sessionEnded', () => set({ notice: null })),
      on('linkOpened', ({ url }) => set({ linkNotice: url })),
      on('updateStatus', (update) => set({ update })),
      on('preferencesChanged', (preferences) => {
        // Read receipts on/off changes whose read state the open chat's ticks show: read it again.
        const readStateChanged = preferences.sendReadReceipts !== get().preferences.sendReadReceipts;
        set({ preferences });
        if (readStateChanged && get().active) void actions.refreshActive().catch(report);
      }),
    ];
    await applySnapshot(await call('getState', {}));
    set({ update: await call('getUpdateStatus', {}) });
    return () => offs.forEach((off) => off());
  },

  /** Saves preferences for all the user's devices; the answer (and preferencesChanged) brings them back. */
  async setPreferences(patch: Partial<PreferencesView>): Promise<void> {
    const before = get().preferences.sendReadReceipts;
    set({ preferences: await call('setPreferences', patch) });
    if (get().preferences.sendReadReceipts !== before && get().active) await actions.refreshActive().catch(report);
  },

  async setPinned(chatId: string, pinned: boolean): Promise<void> {
    await call('setPinned', { chatId, pinned }).catch(report);
  },

  /** "Restart to update": installs now, or as soon as the running sync ends (never mid-sync). */
  async installUpdate(): Promise<void> {
    await call('installUpdate', {}).catch(report);
  },

  async startPairing(): Promise<void> {
    await call('startPairing', {});
  },

  /** "Sign out" on the pairing screen instead of linking again: the history this desktop kept is erased. */
  async eraseKeptHistory(): Promise<void> {
    await call('eraseKeptHistory', {}).catch(report);
  },

  async refreshChats(): Promise<void> {
    if (get().snapshot?.screen !== 'main') return;
    const { chats } = await call('listChats', {});
    set({ chats });
    const active = get().active;
    if (active) {
      const entry = chats.find((c) => c.chatId === active.chatId);
      if (entry) set({ active: { ...get().active!, chat: entry } });
    }
    await autoOpen();
    if (get().query) await actions.search(get().query);
  },

  async openChat(chatId: string, focusMessageId: string | null = null): Promise<void> {
    autoOpened = true;
    const page = await call('openChat', { chatId });
    let messages = page.messages;
    let hasMore = page.hasMore;
    // A search hit older than the first page: page back until it is loaded.
    while (focusMessageId && hasMore && !messages.some((m) => m.messageId === focusMessageId) && messages[0]) {
      const older = await call('loadOlder', { chatId, beforeMessageId: messages[0].messageId });
      messages = [...older.messages, ...messages];
      hasMore = older.hasMore;
    }
    set({ active: { chatId, chat: page.chat, messages, hasMore, draft: page.draft, focusMessageId } });
    if (page.chat.unread > 0) await actions.markRead();
  },

  async refreshActive(): Promise<void> {
    const active = get().active;
    if (!active) return;
    const page = await call('openChat', { chatId: active.chatId });
    const current = get().active;
    if (current?.chatId !== active.chatId) return;
    // Keep pages loaded earlier (older than the fresh first page).
    const firstFresh = page.messages[0];
    const older = firstFresh ? current.messages.filter((m) => m.createdAt < firstFresh.createdAt) : [];
    set({
      active: {
        ...current,
        chat: page.chat,
        messages: [...older, ...page.messages],
        hasMore: older.length > 0 ? current.hasMore : page.hasMore,
      },
    });
    if (page.chat.unread > 0 && document.hasFocus()) await actions.markRead();
  },

  async loadOlder(): Promise<void> {
    const active = get().active;
    const first = active?.messages[0];
    if (!active || !first || !active.hasMore) return;
    const older = await call('loadOlder', { chatId: active.chatId, beforeMessageId: first.messageId });
    const current = get().active;
    if (current?.chatId !== active.chatId) return;
    set({ active: { ...current, messages: [...older.messages, ...current.messages], hasMore: older.hasMore } });
  },

  async closeChat(): Promise<void> {
    set({ active: null });
    await call('closeChat', {}).catch(() => undefined);
  },

  async markRead(): Promise<void> {
    const active = get().active;
    if (active) await call('markRead', { chatId: active.chatId });
  },

  /** `replyToMessageId`: the message this one answers (message-actions-store.ts). */
  async send(text: string, replyToMessageId?: string): Promise<boolean> {
    const active = get().active;
    if (!active || text.trim() === '') return false;
    try {
      await call('sendMessage', { chatId: active.chatId, text, ...(replyToMessageId ? { replyToMessageId } : {}) });
      const current = get().active;
      if (current?.chatId === active.chatId) set({ active: { ...current, draft: '' } });
      // The message itself comes with messagesChanged.
      return true;
    } catch (error) {
      report(error);
      return false;
    }
  },

  /** "Retry" on a message the server refused: the same message is sent again (it cannot land twice). */
  async retrySend(messageId: string): Promise<void> {
    const active = get().active;
    if (!active) return;
    try {
      // Its new state comes with messagesChanged.
      await call('retrySend', { chatId: active.chatId, messageId });
    } catch (error) {
      report(error);
    }
  },

  saveDraft(text: string): void {
    const active = get().active;
    if (!active) return;
    set({ active: { ...active, draft: text } });
    void call('saveDraft', { chatId: active.chatId, text }).catch(report);
  },

  async search(query: string): Promise<void> {
    const seq = ++searchSeq;
    set({ query });
    if (query.trim() === '') {
      set({ results: [] });
      return;
    }
    const { results, ready } = await call('search', { query });
    if (seq === searchSeq) set({ results, searchReady: ready });
  },

  async openResult(result: SearchResult): Promise<void> {
    set({ query: '', results: [] });
    await actions.openChat(result.chatId, result.messageId);
  },

  setSettingsOpen(settingsOpen: boolean): void {
    set({ settingsOpen });
  },

  dismissNotice(): void {
    set({ notice: null, linkNotice: null });
  },
};
