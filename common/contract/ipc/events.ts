import { z } from 'zod';
import { Id } from '../primitives';
import { AttachmentChangedEvent } from './attachment-views';
import { AppSnapshot, PairingView, SyncView } from './app-views';
import { ChatListEntry, MessageView } from './chat-views';
import { PreferencesView, UpdateView } from './settings-views';

/** Every pushed event: name → payload schema. */
export const ipcEvents = {
  appState: AppSnapshot,
  pairingState: PairingView,
  syncProgress: SyncView,
  /**
   * Chats whose list entry changed. `chats` holds their entries as they are now; a chat named in `chatIds`
   * with no entry has left this desktop. The renderer patches its list from it, without a refetch.
   */
  chatsChanged: z.object({ chatIds: z.array(Id), chats: z.array(ChatListEntry) }),
  /**
   * Messages of a chat that arrived or changed. `messages` (their views as they are now; an id with no view
   * has left the store) comes for the chat open on screen only — no other chat is decrypted for it — and
   * only when every author is known; without it, the renderer reads the open chat again.
   */
  messagesChanged: z.object({ chatId: Id, messageIds: z.array(Id), messages: z.array(MessageView).optional() }),
  sessionEnded: z.object({ reason: z.enum(['signed-out', 'revoked', 'expired', 'ended']) }),
  updateStatus: UpdateView,
  /** The preferences changed (here, or on another device of the user). */
  preferencesChanged: PreferencesView,
  /** A symc:// link was opened with the app (OS handler or second instance). */
  linkOpened: z.object({ url: z.string().max(2048) }),
  /** The pinned keys changed (here, on another device of the user, or a key change was seen). */
  contactsChanged: z.object({}),
  /** A file going up or down (percent), or its state changed (cached, damaged, unavailable). */
  attachmentChanged: AttachmentChangedEvent,
} as const satisfies Record<string, z.ZodType>;
