export { api, type Api, type RouteName } from './api';
export * from './route';
export { ApiError, createApiClient, pathFor, type ApiClient, type CallInput, type CallOutput } from './client';
export { AuthTokens, SignedIn, AccountKeys, KdfParams, PhoneDevice } from './auth';
export { DeviceInfo } from './devices';
export { ChatSummary, NewChatMember, MAX_CHAT_MEMBERS } from './chats';
export { MessageRecord, ClientKey, MAX_PAGE } from './messages';
export { DraftRecord } from './drafts';
export {
  PairingInfo,
  PairingBundle,
  PairingCode,
  PairingStatus,
  DesktopPlatform,
  PAIRING_WAIT_MAX_SECONDS,
} from './pairing';
export { OutboxItem, MAX_OUTBOX } from './sync';
