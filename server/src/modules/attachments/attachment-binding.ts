import type { Tx } from '../../db/client';
import { errors } from '../../errors';

/**
 * Ties the blobs a new message names to it, inside the send transaction: each must be a finished upload of
 * the sender's account that no message names yet. Otherwise the whole send is refused (400) and nothing is
 * stored — a client can't grant a chat access to someone else's blob, or to one it is still uploading.
 */
export async function bindAttachments(
  tx: Tx,
  attachmentIds: readonly string[],
  ownerUserId: string,
  messageId: string,
  now: Date,
): Promise<void> {
  const ids = [...new Set(attachmentIds)];
  if (ids.length !== attachmentIds.length) throw errors.validation('body.attachmentIds: an id is named twice');
  const bound = await tx.attachment.updateMany({
    where: { id: { in: ids }, ownerUserId, status: 'complete', messageId: null, boundAt: null },
    data: { messageId, boundAt: now },
  });
  if (bound.count !== ids.length) {
    throw errors.validation(
      'body.attachmentIds: every attachment must be a finished upload of yours that no message names yet',
    );
  }
}
