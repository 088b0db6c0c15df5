import type { MessageEditRecord } from '../contract';
import type { ChatKey } from '../crypto';
import { checkMessageEdit, decryptMessageEdit } from './message-edit';
import type { MessageOrigin } from './message-signature';

/** What a client shows of a message's latest edit, after checking it (docs/MESSAGES.md). */
export type EditView =
  | { readonly state: 'none' }
  /** Signed by the message's author: shown, with "edited". */
  | { readonly state: 'verified'; readonly version: number; readonly text: string; readonly editedAt: number }
  /** Doesn't open or doesn't verify: the original text stays, and the client says an edit was refused. */
  | { readonly state: 'refused'; readonly version: number };

/**
 * Opens and checks a message's latest edit. `authorSigningKey` is the directory's (pinned) signing key of
 * the message's author — the sender the server names on the original, never anything the edit says.
 */
export function readEdit(
  key: ChatKey,
  origin: MessageOrigin,
  edit: MessageEditRecord | null | undefined,
  authorSigningKey: Uint8Array | null,
): EditView {
  if (!edit) return { state: 'none' };
  try {
    const body = decryptMessageEdit(key, origin.chatId, origin.messageId, edit.version, edit.ciphertext);
    if (!checkMessageEdit(body, origin, edit.version, authorSigningKey))
      return { state: 'refused', version: edit.version };
    return { state: 'verified', version: edit.version, text: body.text, editedAt: body.editedAt };
  } catch {
    return { state: 'refused', version: edit.version };
  }
}
