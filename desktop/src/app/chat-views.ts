import type { ChatListEntry, MessageView } from '../../../common/contract';
import type { AppCore } from '../core/desktop-core';
import type { DisplayMessage } from '../core/view/chat-reader';
import { chatPrefsView } from './chat-prefs';
import type { AttachmentState } from '../core/attachments/desktop-attachments';
import { attachmentView } from './attachment-views';

/**
 * `failure`: the server's reason when it refused this (queued) message for good. `files`: where each
 * attachment's state comes from (without it they show as on the server).
 */
export function messageView(
  m: DisplayMessage,
  failure: string | null = null,
  files?: { state(attachmentId: string): AttachmentState },
): MessageView {
  return {
    messageId: m.messageId,
    chatId: m.chatId,
    senderName: m.mine ? 'You' : m.senderName,
    verification: m.verification,
    text: m.decrypted ? m.text : '',
    sentAt: m.sentAt,
    createdAt: m.createdAt,
    status: m.status,
    mine: m.mine,
    decrypted: m.decrypted,
    failure: m.status === 'queued' ? failure : null,
    replyTo: m.replyTo ? { messageId: m.replyTo.messageId, text: m.replyTo.text } : null,
    edited: m.edited !== null,
    editRefused: m.editRefused,
    deleted: m.deleted,
    receipts: m.receipts,
    ...(m.attachments.length > 0
      ? { attachments: m.attachments.map((a) => attachmentView(a, files?.state(a.id) ?? { state: 'remote' })) }
      : {}),
  };
}

/** The chat list: decrypted titles and last-message previews, pinned chats first, then most recent. */
export function chatList(core: AppCore, hasDraft: (chatId: string) => boolean): ChatListEntry[] {
  const unread = core.unreadCounts();
  const entries = core.reader.chatList().map((chat) => chatEntry(core, chat.chatId, unread, hasDraft)!);
  return entries
    .filter(Boolean)
    .sort((a, b) => Number(b.pinned) - Number(a.pinned) || b.updatedAt.localeCompare(a.updatedAt));
}

/** The list shows the start of a draft, on one line. */
const DRAFT_PREVIEW_CHARS = 120;
function draftPreview(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > DRAFT_PREVIEW_CHARS ? `${line.slice(0, DRAFT_PREVIEW_CHARS - 1)}…` : line;
}

export function chatEntry(
  core: AppCore,
  chatId: string,
  unread: Map<string, number>,
  hasDraft: (chatId: string) => boolean,
): ChatListEntry | null {
  const row = core.reader.chat(chatId);
  if (!row) return null;
  const meta = core.reader.meta(row);
  const last = core.reader.lastMessage(chatId);
  return {
    chatId,
    title: meta?.title ?? 'Encrypted chat',
    pinned: row.pinned === 1,
    updatedAt: row.updated_at,
    unread: unread.get(chatId) ?? 0,
    hasDraft: hasDraft(chatId),
    ...(hasDraft(chatId) ? { draftText: draftPreview(core.drafts.read(chatId) ?? '') } : {}),
    decryptable: meta !== null,
    lastMessage: last
      ? {
          text: last.decrypted ? previewText(last) : 'Encrypted message',
          senderName: last.mine ? 'You' : last.senderName,
          mine: last.mine,
          sentAt: last.sentAt,
        }
      : null,
    ...chatPrefsView(core, chatId, last ? Date.parse(last.createdAt) : null),
  };
}

/** A message as the chat list previews it: its text, or the names of the files it carries. */
function previewText(m: DisplayMessage): string {
  if (m.text.trim() !== '' || m.attachments.length === 0) return m.text;
  return `📎 ${m.attachments.map((a) => a.name).join(', ')}`;
}
