export { api, type Api, type RouteName } from './api';
export * from './route';
export { ApiError, createApiClient, pathFor, type ApiClient, type CallInput, type CallOutput } from './client';
export { AuthTokens, SignedIn, AccountKeys, KdfParams, PhoneDevice } from './auth';
export { DeviceInfo } from './devices';
export { DirectoryEntry } from './users';
export { ChatSummary, NewChatMember, MAX_CHAT_MEMBERS, MAX_CHAT_PAGE } from './chats';
export { MessageRecord, ClientKey, MAX_PAGE, RecipientReceipt, RecipientReceipts } from './messages';
export { MessageEditRecord, MessageIdParams, MAX_EDITS_PER_MESSAGE } from './message-actions';
export {
  DraftRecord,
  compareDrafts,
  DEFAULT_MAX_DRAFT_CHARS,
  draftLengthProblem,
  maxDraftEnvelopeChars,
  MAX_DRAFT_CHARS_LIMIT,
} from './drafts';
export {
  PairingInfo,
  PairingBundle,
  PairingCode,
  PairingStatus,
  PairingHandover,
  PAIRING_PROTOCOL,
  DesktopPlatform,
  PAIRING_WAIT_MAX_SECONDS,
} from './pairing';
export { OutboxItem, MAX_OUTBOX, MAX_CHANGES_PAGE } from './sync';
export { DeviceSyncStatus, SyncPosition } from './sync-status';
export { SettingsRecord, MAX_SETTINGS_ENVELOPE_CHARS } from './settings';
export { ContactsRecord } from './contacts';
export {
  ATTACHMENTS_PATH,
  ATTACHMENT_ID_METADATA_KEY,
  AttachmentIdParams,
  AttachmentIds,
  DEFAULT_MAX_ATTACHMENT_BYTES,
  MAX_ATTACHMENTS_PER_SEND,
  attachmentUrl,
} from './attachments';
export { HealthReport, DependencyHealth, MigrationHealth } from './health';
