import { create } from 'zustand';
import type { IpcOutput } from '../../../../../common/contract/ipc';
import { call } from '../symc';
import { actions } from './app-store';
import { trustActions } from './trust-store';

export type MemberView = IpcOutput<'getChatMembers'>['members'][number];
export type PickedPerson = IpcOutput<'lookUpPeople'>['people'][number];

interface GroupState {
  readonly newChatOpen: boolean;
  /** The members panel's chat, when open. */
  readonly membersChatId: string | null;
  readonly members: readonly MemberView[] | null;
  readonly busy: boolean;
  readonly error: string | null;
  /** New chat's picker: each typed person with the state of their keys from the pins (docs/GROUPS.md). */
  readonly picked: readonly PickedPerson[];
  /** Why the picker could not look people up (offline). */
  readonly pickerError: string | null;
}

export const useGroups = create<GroupState>(() => ({
  newChatOpen: false,
  membersChatId: null,
  members: null,
  busy: false,
  error: null,
  picked: [],
  pickerError: null,
}));
const set = useGroups.setState;
const get = useGroups.getState;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

let lookUpSeq = 0;

/** "sam, @kim lee" → ["sam", "@kim", "lee"]: the app service reads each the shared way. */
export const splitUsernames = (text: string) => text.split(/[\s,]+/).filter(Boolean);

/** Runs one group action; its sentence is shown on failure. Resolves whether it succeeded. */
async function run(action: () => Promise<unknown>): Promise<boolean> {
  set({ busy: true, error: null });
  try {
    await action();
    return true;
  } catch (error) {
    set({ error: message(error) });
    return false;
  } finally {
    set({ busy: false });
  }
}

/** New chat and the members panel (docs/GROUPS.md). */
export const groupActions = {
  openNewChat(): void {
    set({ newChatOpen: true, error: null, picked: [], pickerError: null });
  },
  /** Looks the typed people up (the latest typing wins); an empty field clears the picker. */
  async lookUp(typed: string): Promise<void> {
    const usernames = splitUsernames(typed);
    lookUpSeq++;
    const seq = lookUpSeq;
    if (usernames.length === 0) {
      set({ picked: [], pickerError: null });
      return;
    }
    try {
      const { people } = await call('lookUpPeople', { usernames });
      if (seq === lookUpSeq) set({ picked: people, pickerError: null });
    } catch (error) {
      if (seq === lookUpSeq) set({ pickerError: message(error) });
    }
  },
  /**
   * The user's explicit answer to a changed safety number in the picker: `accept` takes the new keys (they
   * are no longer verified), otherwise the pinned keys stay and that claim is ignored from then on.
   */
  async answerKeyChange(userId: string, accept: boolean, typed: string): Promise<void> {
    await run(() => call(accept ? 'acknowledgeKeyChange' : 'keepPinnedKeys', { userId }));
    await groupActions.lookUp(typed);
  },
  closeNewChat(): void {
    set({ newChatOpen: false, error: null });
  },
  async startChat(usernames: string, title: string): Promise<void> {
    let chatId: string | null = null;
    const ok = await run(async () => {
      ({ chatId } = await call('startChat', {
        usernames: splitUsernames(usernames),
        ...(title.trim() ? { title } : {}),
      }));
    });
    if (!ok || !chatId) return;
    set({ newChatOpen: false });
    await actions.refreshChats();
    await actions.openChat(chatId);
  },
  async openMembers(chatId: string): Promise<void> {
    set({ membersChatId: chatId, members: null, error: null });
    await groupActions.refreshMembers();
  },
  closeMembers(): void {
    set({ membersChatId: null, members: null, error: null });
  },
  async refreshMembers(): Promise<void> {
    const chatId = get().membersChatId;
    if (!chatId) return;
    try {
      const { members } = await call('getChatMembers', { chatId });
      if (get().membersChatId === chatId) set({ members });
    } catch (error) {
      set({ error: message(error) });
    }
  },
  async rename(chatId: string, title: string): Promise<boolean> {
    return run(() => call('renameChat', { chatId, title }));
  },
  async add(chatId: string, usernames: string): Promise<boolean> {
    const ok = await run(() => call('addChatMembers', { chatId, usernames: splitUsernames(usernames) }));
    if (ok) await groupActions.refreshMembers();
    return ok;
  },
  async remove(chatId: string, userId: string): Promise<void> {
    if (await run(() => call('removeChatMembers', { chatId, userIds: [userId] }))) await groupActions.refreshMembers();
  },
  async leave(chatId: string): Promise<void> {
    if (!(await run(() => call('leaveChat', { chatId })))) return;
    groupActions.closeMembers();
    await actions.closeChat();
    await actions.refreshChats();
  },
  showSafetyNumber(userId: string): void {
    void trustActions.showSafetyNumber(userId);
  },
};
