import { z } from 'zod';
import { DeviceKind, Id, Platform } from './primitives';

/**
 * The desktop app's IPC contract: every request the renderer may make of the app service, and every event
 * the service pushes. ONE table; Electron main (ipcMain handlers), the preload (window.symc), the headless
 * host (HTTP + EventSource) and its browser bridge are all generated from it by iterating it
 * (ipc-server.ts / ipc-client.ts), so no side can grow a channel the others don't know.
 *
 * Requests are validated where they are received (main / headless host); responses and events are
 * validated where they are received (the bridge in the renderer's world). Everything here is plain JSON:
 * it crosses contextBridge (structured clone) and HTTP unchanged.
 */

export const MAX_MESSAGE_CHARS = 16_000;
export const MAX_SEARCH_CHARS = 200;

const Empty = z.strictObject({});
const Ok = z.object({ ok: z.literal(true) });
const ChatRef = z.strictObject({ chatId: Id });

export const LocalMessageStatusSchema = z.enum(['queued', 'sent', 'delivered', 'read']);

export const PairingView = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('idle') }),
  z.object({ kind: z.literal('starting') }),
  z.object({
    kind: z.literal('showing'),
    /** The symc://pair link the QR encodes (also offered as text: paste it on a phone without a camera). */
    link: z.string(),
    /** The QR as an image URL (data:image/svg+xml). */
    qrImage: z.string().startsWith('data:image/'),
    /** Typed on a phone without a camera, after the pairing code; secret (never sent to the server). */
    checkCode: z.string(),
    pairingCode: z.string(),
    /** Set when the last phone's code did not match: this QR and its codes are new. */
    notice: z.string().optional(),
    rotatesAt: z.number(),
    rotation: z.int(),
    rotationsLeft: z.int(),
  }),
  z.object({ kind: z.literal('approved') }),
  z.object({ kind: z.literal('paired'), username: z.string() }),
  z.object({ kind: z.literal('timed-out') }),
  z.object({ kind: z.literal('denied') }),
  z.object({ kind: z.literal('failed'), code: z.string(), message: z.string() }),
]);
export type PairingView = z.infer<typeof PairingView>;

export const PhaseView = z.object({
  phase: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  state: z.enum(['pending', 'running', 'done']),
  chats: z.int(),
  expectedChats: z.int(),
  messages: z.int(),
});
export const SyncView = z.object({
  connection: z.enum(['connecting', 'connected', 'offline', 'revoked', 'stopped']),
  mode: z.enum(['fresh', 'resume-fresh', 'live']).nullable(),
  phases: z.array(PhaseView).length(3),
  primed: z.boolean(),
  lastError: z.string().nullable(),
  outboxPending: z.int(),
});
export type SyncView = z.infer<typeof SyncView>;

export const AccountView = z.object({ username: z.string(), deviceId: Id, serverUrl: z.string() });

/**
 * Why this desktop is back on the pairing screen when it didn't choose to be (the last session's end,
 * kept until it is linked again): `revoked` — unlinked from the phone; `expired` — signed out after the
 * refresh TTL (30 days) without use; `ended` — its session was ended server-side (signed out elsewhere,
 * or stopped because its sign-in was used twice). `at`: when this desktop learned it (ms since epoch).
 */
export const SessionEndView = z.object({ reason: z.enum(['revoked', 'expired', 'ended']), at: z.int() });
export type SessionEndView = z.infer<typeof SessionEndView>;

export const AppSnapshot = z.object({
  screen: z.enum(['pairing', 'main']),
  /** On the pairing screen after a session ended by itself (absent: a first link, or the user signed out). */
  sessionEnd: SessionEndView.optional(),
  account: AccountView.nullable(),
  pairing: PairingView,
  sync: SyncView.nullable(),
  /** The chat the user had open last (on any device): the app opens it by itself. */
  lastOpenedChatId: Id.nullable(),
});
export type AppSnapshot = z.infer<typeof AppSnapshot>;

export const ChatListEntry = z.object({
  chatId: Id,
  title: z.string(),
  pinned: z.boolean(),
  updatedAt: z.string(),
  unread: z.int().min(0),
  hasDraft: z.boolean(),
  decryptable: z.boolean(),
  lastMessage: z.object({ text: z.string(), senderName: z.string(), mine: z.boolean(), sentAt: z.number() }).nullable(),
});
export type ChatListEntry = z.infer<typeof ChatListEntry>;

/**
 * What the author's signature says (common/trust/message-author.ts): `verified` shown normally, `legacy`
 * (sent before signing) with a subtle mark, `unverified` as a warning that names no one, `pending` (the
 * sender's key not fetched yet) with a subtle mark until it is.
 */
export const SenderVerificationSchema = z.enum(['verified', 'legacy', 'unverified', 'pending']);
export type SenderVerificationView = z.infer<typeof SenderVerificationSchema>;

export const MessageView = z.object({
  messageId: Id,
  chatId: Id,
  /** From the directory, never from the message body; a description for unverified and pending messages. */
  senderName: z.string(),
  verification: SenderVerificationSchema,
  text: z.string(),
  sentAt: z.number(),
  createdAt: z.string(),
  status: LocalMessageStatusSchema,
  mine: z.boolean(),
  decrypted: z.boolean(),
  /** The server refused this queued message for good (its reason); it waits for the user's retry. */
  failure: z.string().nullable(),
  // Message actions (docs/MESSAGES.md).
  /** The message this one answers: its id and the quoted text (from inside the signed body). */
  replyTo: z.object({ messageId: Id, text: z.string() }).nullable(),
  /** The text shown is the author's signed edit. */
  edited: z.boolean(),
  /** An edit arrived that the author did not sign: the original text is shown. */
  editRefused: z.boolean(),
  /** Deleted for everyone: a tombstone, no text. */
  deleted: z.boolean(),
});
export type MessageView = z.infer<typeof MessageView>;

export const MessagePage = z.object({ messages: z.array(MessageView), hasMore: z.boolean() });

export const SearchResult = z.object({
  kind: z.enum(['chat', 'message', 'draft']),
  chatId: Id,
  messageId: Id.nullable(),
  chatTitle: z.string(),
  /** Text around the match; `highlights` are [start, end) offsets into it. */
  snippet: z.string(),
  highlights: z.array(z.tuple([z.int().min(0), z.int().min(0)])),
  sentAt: z.number().nullable(),
  /** A message hit's author as the chat shows it (directory name, signature checked); absent from older hosts. */
  senderName: z.string().nullable().optional(),
});
export type SearchResult = z.infer<typeof SearchResult>;

export const LinkedDevice = z.object({
  deviceId: Id,
  name: z.string(),
  kind: DeviceKind,
  platform: Platform,
  lastSeenAt: z.string(),
  current: z.boolean(),
});

export const StorageBudgetView = z.strictObject({
  maxChats: z.int().min(1).max(10_000),
  /** At least 1 MiB, at most 10 GiB. */
  maxBytes: z
    .int()
    .min(1024 * 1024)
    .max(10 * 1024 * 1024 * 1024),
});
export const StorageView = z.object({ chats: z.int(), messages: z.int(), bytes: z.int(), budget: StorageBudgetView });
export type StorageView = z.infer<typeof StorageView>;

export const UpdateView = z.object({
  enabled: z.boolean(),
  phase: z.string(),
  version: z.string().nullable(),
  downloadPercent: z.number().nullable(),
  offer: z.object({ version: z.string(), canInstallNow: z.boolean(), waitingForSync: z.boolean() }).nullable(),
  lastError: z.string().nullable(),
});
export type UpdateView = z.infer<typeof UpdateView>;

/** The user's preferences as the desktop shows and applies them (defaults filled in); synced to all their devices. */
export const PreferencesView = z.object({
  theme: z.enum(['system', 'light', 'dark']),
  /** Native notifications for new messages while the window is unfocused: all, only those naming you, none. */
  notifications: z.enum(['all', 'mentions', 'none']),
  /** Enter sends (Shift+Enter: new line); off: Ctrl/⌘+Enter sends and Enter is a new line. */
  sendOnEnter: z.boolean(),
});
export type PreferencesView = z.infer<typeof PreferencesView>;

/** A chat member's key state as the chat shows it (from the user's synced pins). */
export const ContactTrustView = z.object({
  userId: Id,
  username: z.string(),
  verified: z.boolean(),
  /** Their keys changed and the user has not acknowledged it: the chat shows "X's safety number changed". */
  changed: z.boolean(),
});
export const ChatTrustView = z.object({
  members: z.array(ContactTrustView),
  /** A verified member's keys changed: sending to this chat waits until the user acknowledges. */
  sendingPaused: z.boolean(),
  /** The server offered a contact book this desktop refused (an older or foreign one); the pins stayed. */
  refusal: z.string().nullable(),
});
export type ChatTrustView = z.infer<typeof ChatTrustView>;

export const SafetyNumberView = z.object({
  userId: Id,
  username: z.string(),
  /** 60 digits, the same on both users' devices while both hold each other's real keys. */
  digits: z.string().regex(/^\d{60}$/),
  /** The digits as a QR (data:image/svg+xml) for the other user's phone to scan. */
  qrImage: z.string().startsWith('data:image/'),
  verified: z.boolean(),
  changed: z.boolean(),
});
export type SafetyNumberView = z.infer<typeof SafetyNumberView>;

const ContactRef = z.strictObject({ userId: Id });

interface RequestSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly input: I;
  readonly output: O;
}
const request = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O): RequestSpec<I, O> => ({
  input,
  output,
});

/** Every request channel: name → input and output schema. */
export const ipcRequests = {
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
  /** The members' key state for a chat (and a re-check of their keys against the server, in the background). */
  getChatTrust: request(ChatRef, ChatTrustView),
  getSafetyNumber: request(ContactRef, SafetyNumberView),
  /** Marks the contact verified (or not) after comparing the safety number shown (needs the server: it syncs). */
  setContactVerified: request(z.strictObject({ userId: Id, verified: z.boolean() }), SafetyNumberView),
  /** The user accepts the contact's new keys (the change shown); sending resumes. */
  acknowledgeKeyChange: request(ContactRef, Ok),
  /** The user refuses the contact's new keys and keeps the pinned ones (the warning goes; that claim is ignored after). */
  keepPinnedKeys: request(ContactRef, Ok),
  // ---- message actions (docs/MESSAGES.md); they need the server ----
  /** Only the author's own messages; the new text replaces the shown one on every device ("edited"). */
  editMessage: request(
    z.strictObject({
      chatId: Id,
      messageId: Id,
      text: z.string().trim().min(1, 'a message cannot be empty').max(MAX_MESSAGE_CHARS),
    }),
    Ok,
  ),
  /** `forEveryone`: the author's delete for all members (a tombstone); otherwise delete for me (my devices). */
  deleteMessage: request(z.strictObject({ chatId: Id, messageId: Id, forEveryone: z.boolean() }), Ok),
} as const satisfies Record<string, RequestSpec>;

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
} as const satisfies Record<string, z.ZodType>;

export type IpcRequestName = keyof typeof ipcRequests;
export type IpcInput<N extends IpcRequestName> = z.input<(typeof ipcRequests)[N]['input']>;
export type IpcParsedInput<N extends IpcRequestName> = z.output<(typeof ipcRequests)[N]['input']>;
export type IpcOutput<N extends IpcRequestName> = z.output<(typeof ipcRequests)[N]['output']>;
export type IpcEventName = keyof typeof ipcEvents;
export type IpcEventPayload<E extends IpcEventName> = z.output<(typeof ipcEvents)[E]>;

export const IPC_REQUEST_NAMES = Object.keys(ipcRequests) as IpcRequestName[];
export const IPC_EVENT_NAMES = Object.keys(ipcEvents) as IpcEventName[];

export const IPC_ERROR_CODES = [
  'unknown_channel',
  'invalid_request',
  'invalid_response',
  'wrong_state',
  'not_found',
  'failed',
  'unavailable',
] as const;
export type IpcErrorCode = (typeof IPC_ERROR_CODES)[number];
export const IpcErrorBody = z.object({ code: z.string(), message: z.string() });
export type IpcErrorBody = z.infer<typeof IpcErrorBody>;

/** Every reply is an envelope (Signal's sql channel): errors travel as data, not as lost exception types. */
export type IpcResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: IpcErrorBody };

/** window.symc: one method per request channel, plus `on` for events. Exactly this, nothing more. */
export type SymcApi = { readonly [N in IpcRequestName]: (input: IpcInput<N>) => Promise<IpcResult<IpcOutput<N>>> } & {
  readonly on: <E extends IpcEventName>(event: E, listener: (payload: IpcEventPayload<E>) => void) => () => void;
};

/** Electron channel names: one per request, one for all events. */
export const IPC_CHANNEL_PREFIX = 'symc:';
export const IPC_EVENT_CHANNEL = 'symc:event';
