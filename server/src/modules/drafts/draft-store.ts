import type { DraftRecord } from '../../../../common/contract';
import type { Db, Tx } from '../../db/client';

/**
 * Where a draft lives on the server. The hot `Draft` row is written by every accepted edit (it is durable
 * from the first write, so a crash loses nothing); once idle for DRAFT_PERSISTENCE_TTL_SECONDS — or at a
 * graceful shutdown — it is folded into the member's chat row (`ChatMember.draft*`) and dropped. A draft is
 * therefore in exactly one of the two places, and every read consults the hot row first, then the chat row.
 * (The hot row is always the newer: it was accepted against the chat row's version.)
 */

type HotRow = { chatId: string; ciphertext: string | null; version: number; updatedByDevice: string; updatedAt: Date };
type MemberRow = {
  chatId: string;
  draftCiphertext: string | null;
  draftVersion: number;
  draftUpdatedByDevice: string | null;
  draftUpdatedAt: Date | null;
};

export function hotToRecord(row: HotRow): DraftRecord {
  return {
    chatId: row.chatId,
    ciphertext: row.ciphertext,
    version: row.version,
    updatedByDevice: row.updatedByDevice,
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The chat row's folded draft, or null when this member never had one (version 0). */
export function memberToRecord(row: MemberRow): DraftRecord | null {
  if (row.draftVersion === 0 || !row.draftUpdatedByDevice || !row.draftUpdatedAt) return null;
  return {
    chatId: row.chatId,
    ciphertext: row.draftCiphertext,
    version: row.draftVersion,
    updatedByDevice: row.draftUpdatedByDevice,
    updatedAt: row.draftUpdatedAt.toISOString(),
  };
}

const memberDraftColumns = {
  chatId: true,
  draftCiphertext: true,
  draftVersion: true,
  draftUpdatedByDevice: true,
  draftUpdatedAt: true,
} as const;

/** The user's current draft of a chat (hot row, else chat row), or null. Deleted drafts come back with a null ciphertext. */
export async function loadDraft(db: Db | Tx, userId: string, chatId: string): Promise<DraftRecord | null> {
  const hot = await db.draft.findUnique({ where: { userId_chatId: { userId, chatId } } });
  if (hot) return hotToRecord(hot);
  const member = await db.chatMember.findUnique({
    where: { chatId_userId: { chatId, userId } },
    select: memberDraftColumns,
  });
  return member ? memberToRecord(member) : null;
}

/** Every draft of the user, one per chat. */
export async function loadAllDrafts(db: Db, userId: string): Promise<DraftRecord[]> {
  const [hot, folded] = await Promise.all([
    db.draft.findMany({ where: { userId } }),
    db.chatMember.findMany({ where: { userId, draftVersion: { gt: 0 } }, select: memberDraftColumns }),
  ]);
  const byChat = new Map<string, DraftRecord>();
  for (const row of folded) {
    const record = memberToRecord(row);
    if (record) byChat.set(row.chatId, record);
  }
  for (const row of hot) byChat.set(row.chatId, hotToRecord(row));
  return [...byChat.values()].sort((a, b) => (a.chatId < b.chatId ? -1 : 1));
}
