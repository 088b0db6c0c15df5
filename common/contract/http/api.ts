import * as auth from './auth';
import * as chats from './chats';
import * as contacts from './contacts';
import * as devices from './devices';
import * as drafts from './drafts';
import * as messageActions from './message-actions';
import * as messages from './messages';
import * as pairing from './pairing';
import * as settings from './settings';
import * as sync from './sync';
import * as syncStatus from './sync-status';
import * as users from './users';

/** Every HTTP endpoint of the server, by name. The server registers exactly these; clients call only these. */
export const api = {
  register: auth.register,
  prelogin: auth.prelogin,
  login: auth.login,
  refresh: auth.refresh,
  logout: auth.logout,
  me: auth.me,
  setSigningKey: auth.setSigningKey,
  listDevices: devices.listDevices,
  revokeDevice: devices.revokeDevice,
  lookupUser: users.lookupUser,
  lookupUserById: users.lookupUserById,
  createChat: chats.createChat,
  listChats: chats.listChats,
  getChat: chats.getChat,
  updateChatMeta: chats.updateChatMeta,
  storeMyChatKey: chats.storeMyChatKey,
  updateMyChatState: chats.updateMyChatState,
  changeMembers: chats.changeMembers,
  listEpochs: chats.listEpochs,
  leaveChat: chats.leaveChat,
  sendMessage: messages.sendMessage,
  listMessages: messages.listMessages,
  markMessages: messages.markMessages,
  editMessage: messageActions.editMessage,
  listMessageEdits: messageActions.listMessageEdits,
  deleteMessage: messageActions.deleteMessage,
  hideMessage: messageActions.hideMessage,
  putDraft: drafts.putDraft,
  getDraft: drafts.getDraft,
  listDrafts: drafts.listDrafts,
  createPairingSession: pairing.createPairingSession,
  getPairingSession: pairing.getPairingSession,
  findPairingByCode: pairing.findPairingByCode,
  scanPairing: pairing.scanPairing,
  waitForPairing: pairing.waitForPairing,
  confirmPairing: pairing.confirmPairing,
  rejectPairing: pairing.rejectPairing,
  getSettings: settings.getSettings,
  putSettings: settings.putSettings,
  getContacts: contacts.getContacts,
  putContacts: contacts.putContacts,
  syncHello: sync.syncHello,
  syncMessages: sync.syncMessages,
  syncChanges: sync.syncChanges,
  createSseTicket: sync.createSseTicket,
  ackSync: syncStatus.ackSync,
  getSyncStatus: syncStatus.getSyncStatus,
} as const;

export type Api = typeof api;
export type RouteName = keyof Api;
