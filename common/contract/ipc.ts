import { z } from 'zod';
import { chatPrefsRequests } from './ipc/chat-prefs-requests';
import { attachmentRequests } from './ipc/attachment-requests';
import { coreRequests } from './ipc/core-requests';
import { ipcEvents } from './ipc/events';
import { historyRequests } from './ipc/history-requests';
import { groupRequests } from './ipc/group-requests';
import { messageActionRequests } from './ipc/message-action-requests';
import { receiptRequests } from './ipc/receipt-requests';
import { relinkRequests } from './ipc/relink-requests';
import type { RequestSpec } from './ipc/request-spec';
import { trustRequests } from './ipc/trust-requests';

/**
 * The desktop app's IPC contract: every request the renderer may make of the app service, and every event
 * the service pushes. ONE table; Electron main (ipcMain handlers), the preload (window.symc), the headless
 * host (HTTP + EventSource) and its browser bridge are all generated from it by iterating it
 * (ipc-server.ts / ipc-client.ts), so no side can grow a channel the others don't know.
 *
 * The table is assembled here from one file of requests per area (`ipc/*-requests.ts`) and the views they
 * carry (`ipc/*-views.ts`); a new area adds its file and one line below.
 *
 * Requests are validated where they are received (main / headless host); responses and events are
 * validated where they are received (the bridge in the renderer's world). Everything here is plain JSON:
 * it crosses contextBridge (structured clone) and HTTP unchanged.
 */

export * from './ipc/app-views';
export * from './ipc/attachment-views';
export { ATTACHMENT_PIECE_BYTES, MAX_ATTACHMENT_FILE_BYTES, MAX_FILES_PER_MESSAGE } from './ipc/attachment-requests';
export * from './ipc/chat-views';
export * from './ipc/settings-views';
export * from './ipc/trust-views';
export { ReceiptDetailsView } from './ipc/receipt-requests';
export { MoreChatEntry } from './ipc/history-requests';
export { MAX_MESSAGE_CHARS, MAX_SEARCH_CHARS } from './ipc/core-requests';
export { ipcEvents };

/** Every request channel: name → input and output schema. */
export const ipcRequests = {
  ...coreRequests,
  ...trustRequests,
  ...messageActionRequests,
  ...chatPrefsRequests,
  ...receiptRequests,
  ...historyRequests,
  ...attachmentRequests,
  ...groupRequests,
  ...relinkRequests,
} as const satisfies Record<string, RequestSpec>;

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
