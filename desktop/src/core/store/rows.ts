import type { ChatSummary, DraftRecord } from '../../../../common/contract';

/** Row types as stored (snake_case, ciphertext); domain code converts with the functions below. */
export interface ChatRow {
  id: string;
  encrypted_meta: string;
  meta_version: number;
  wrapped_chat_key: string | null;
  sealed_chat_key: string | null;
  members: string;
  created_by: string;
  created_at: string;
  updated_at: string;
  last_opened_at: string | null;
  pinned: number;
  server_message_count: number;
  history_complete: number;
  bytes: number;
  /** The chat key version new messages and the metadata are written under (docs/GROUPS.md). */
  key_version: number;
  /** 1: a member left; the next writer rotates the key first. */
  rotation_due: number;
}

/** This user's copy of one version of a chat's key (versions >= 2 only once verified: migrations.ts 5). */
export interface ChatKeyRow {
  chat_id: string;
  key_version: number;
  wrapped_chat_key: string | null;
  sealed_chat_key: string | null;
}

export interface MessageRow {
  id: string;
  chat_id: string;
  sender_user_id: string;
  sender_device_id: string;
  client_key: string;
  ciphertext: string;
  status: LocalMessageStatus;
  created_at: string;
  size: number;
  /** The latest edit: JSON of MessageEditRecord (envelope still sealed); null when never edited. */
  edit: string | null;
  /** Deleted for everyone: ciphertext is '' and edit null. */
  deleted_at: string | null;
  /** On this account's own messages: JSON of `StoredReceipts` (who delivered / read); null when none known. */
  receipts: string | null;
  /** The chat key version the body is written under. */
  key_version: number;
}

/** Per-recipient receipts as stored (`messages.receipts`): only ever grow (see mergeReceipts). */
export interface StoredReceipts {
  deliveredTo: Array<{ userId: string; at: string }>;
  readBy: Array<{ userId: string; at: string }>;
}

/**
 * Unions what was stored with what arrived, per list, keeping each recipient's earliest time: a replayed or
 * late older event never removes a receipt (the server's never move back either). A read implies delivered.
 */
export function mergeReceipts(
  stored: StoredReceipts | null,
  incoming: { deliveredTo?: StoredReceipts['deliveredTo']; readBy?: StoredReceipts['readBy'] },
): StoredReceipts {
  const merge = (...lists: Array<StoredReceipts['readBy'] | undefined>) => {
    const byUser = new Map<string, string>();
    for (const list of lists)
      for (const r of list ?? []) {
        const had = byUser.get(r.userId);
        if (had === undefined || r.at < had) byUser.set(r.userId, r.at);
      }
    return [...byUser].map(([userId, at]) => ({ userId, at })).sort((a, b) => a.at.localeCompare(b.at));
  };
  const readBy = merge(stored?.readBy, incoming.readBy);
  return { deliveredTo: merge(stored?.deliveredTo, incoming.deliveredTo, readBy), readBy };
}

export type LocalMessageStatus = 'queued' | 'sent' | 'delivered' | 'read';

export interface DraftRow {
  chat_id: string;
  ciphertext: string | null;
  version: number;
  updated_by_device: string;
  updated_at: string;
  pending: number;
}

export interface OutboxRow {
  message_id: string;
  chat_id: string;
  client_key: string;
  ciphertext: string;
  created_at: string;
  attempts: number;
  last_error: string | null;
  key_version: number;
}

export function chatToRow(chat: ChatSummary): Omit<ChatRow, 'history_complete' | 'bytes'> {
  return {
    id: chat.chatId,
    encrypted_meta: chat.encryptedMeta,
    meta_version: chat.metaVersion,
    wrapped_chat_key: chat.wrappedChatKey,
    sealed_chat_key: chat.sealedChatKey,
    members: JSON.stringify(chat.members),
    created_by: chat.createdByUserId,
    created_at: chat.createdAt,
    updated_at: chat.updatedAt,
    last_opened_at: chat.lastOpenedAt,
    pinned: chat.pinned ? 1 : 0,
    server_message_count: chat.messageCount,
    key_version: chat.keyVersion ?? 1,
    rotation_due: chat.rotationDue ? 1 : 0,
  };
}

/**
 * The version-1 copy a chat summary carries: from `myKeys`, or — a server from before key versions — its
 * one key. Later versions are stored only after verification (core/groups/key-verification.ts).
 */
export function firstVersionCopy(chat: ChatSummary): ChatKeyRow | null {
  const copy = chat.myKeys
    ? chat.myKeys.find((k) => k.keyVersion === 1)
    : { keyVersion: 1, wrappedChatKey: chat.wrappedChatKey, sealedChatKey: chat.sealedChatKey };
  if (!copy || (!copy.wrappedChatKey && !copy.sealedChatKey)) return null;
  return {
    chat_id: chat.chatId,
    key_version: 1,
    wrapped_chat_key: copy.wrappedChatKey,
    sealed_chat_key: copy.sealedChatKey,
  };
}

export function draftToRow(d: DraftRecord, pending = false): DraftRow {
  return {
    chat_id: d.chatId,
    ciphertext: d.ciphertext,
    version: d.version,
    updated_by_device: d.updatedByDevice,
    updated_at: d.updatedAt,
    pending: pending ? 1 : 0,
  };
}
