/** The migration that added attachment blobs (Attachment, AttachmentChunk). */
export const ATTACHMENTS_MIGRATION = '20261203121933_attachments';
