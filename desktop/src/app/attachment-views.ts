import type { AttachmentStateView, AttachmentView } from '../../../common/contract';
import type { AttachmentRef } from '../../../common/content';
import type { AttachmentState } from '../core/attachments/desktop-attachments';

/** Thumbnail types shown inline (anything else a sender names is not turned into an image URL). */
const SHOWN_THUMBNAILS = new Set(['image/jpeg', 'image/png', 'image/webp']);

export function attachmentStateView(state: AttachmentState): AttachmentStateView {
  return { state: state.state, percent: 'percent' in state ? state.percent : null };
}

export function attachmentView(ref: AttachmentRef, state: AttachmentState): AttachmentView {
  const thumbnailMime = ref.image?.thumbnailMime;
  const thumbnail =
    ref.image?.thumbnail && thumbnailMime && SHOWN_THUMBNAILS.has(thumbnailMime)
      ? `data:${thumbnailMime};base64,${Buffer.from(ref.image.thumbnail, 'base64url').toString('base64')}`
      : null;
  return {
    attachmentId: ref.id,
    name: ref.name,
    mime: ref.mime,
    size: ref.size,
    image: ref.image ? { width: ref.image.width, height: ref.image.height, thumbnail } : null,
    ...attachmentStateView(state),
  };
}
