import { z } from 'zod';
import { Id } from '../primitives';
import { AppSnapshot } from './app-views';
import { ChatListEntry, MessagePage, SearchResult } from './chat-views';
import { Empty, Ok, request } from './request-spec';
import { LinkedDevice, PreferencesView, StorageBudgetView, StorageView, UpdateView } from './settings-views';

export const MAX_MESSAGE_CHARS = 16_000;
export const MAX_SEARCH_CHARS = 200;

export const ChatRef = z.strictObject({ chatId: Id });

/** Pairing, the chat list, reading and sending, search, settings. */
export const coreRequests = {
  getState: request(Empty, AppSnapshot),
  startPairing: request(Empty, Ok),
  cancelPairing: request(Empty, Ok),
  listChats: request(Empty, z.object({ chats: z.array(ChatListEntry) })),
  openChat: request(ChatRef, MessagePage.extend({ chat: ChatListEntry, draft: z.string() })),
  loadOlder: request(z.strictObject({ chatId: Id, beforeMessageId: Id }), MessagePage),
  closeChat: request(Empty, Ok),
  sendMessage: request(
    z.strictObject({
      chatId: Id,
      text: z.string().trim().min(1, 'a message cannot be empty').max(MAX_MESSAGE_CHARS),
      /** A reply: the message it answers (docs/MESSAGES.md). */
      replyToMessageId: Id.optional(),
    }),
    z.object({ messageId: Id, queued: z.boolean(), failed: z.string().nullable() }),
  ),
  /** Another try for a message the server refused (the same message: it cannot land twice). */
  retrySend: request(
    z.strictObject({ chatId: Id, messageId: Id }),
    z.object({ queued: z.boolean(), failed: z.string().nullable() }),
  ),
  markRead: request(ChatRef, z.object({ marked: z.int() })),
  /** Pinned chats sort first and are never evicted; the pin is the user's, so it syncs to their other devices. */
  setPinned: request(z.strictObject({ chatId: Id, pinned: z.boolean() }), Ok),
  saveDraft: request(z.strictObject({ chatId: Id, text: z.string().max(MAX_MESSAGE_CHARS) }), Ok),
  search: request(
    z.strictObject({ query: z.string().max(MAX_SEARCH_CHARS) }),
    z.object({ results: z.array(SearchResult), ready: z.boolean() }),
  ),
  listDevices: request(Empty, z.object({ devices: z.array(LinkedDevice) })),
  getStorage: request(Empty, StorageView),
  setBudget: request(StorageBudgetView, StorageView),
  getPreferences: request(Empty, PreferencesView),
  /** Changes some preferences for every device of the user (needs the server). */
  setPreferences: request(PreferencesView.partial().strict(), PreferencesView),
  signOut: request(Empty, Ok),
  getUpdateStatus: request(Empty, UpdateView),
  installUpdate: request(Empty, Ok),
};
