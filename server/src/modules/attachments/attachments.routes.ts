import { pipeline } from 'node:stream/promises';
import { type Request, type Response, Router } from 'express';
import { Metadata, Server as TusServer } from '@tus/server';
import {
  ATTACHMENT_ID_METADATA_KEY,
  ATTACHMENTS_PATH,
  AttachmentIdParams,
  type ErrorCode,
} from '../../../../common/contract';
import { authenticate } from '../../http/authenticate';
import { AppError, errors } from '../../errors';
import type { ServerDeps } from '../../server-deps';
import { canReadAttachment } from './attachment-access';
import type { BlobStore } from './blob-store';
import { parseRange } from './download-range';

/** The smallest possible blob: a secretstream header and one empty FINAL chunk (common/crypto). */
const MIN_BLOB_BYTES = 24 + 17;
/** Lower-case UUIDs only: the id is also a file name, and one spelling per blob. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const TUS_STATUS_CODES: Record<number, ErrorCode> = {
  400: 'validation_failed',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  410: 'gone',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/**
 * Attachment blobs: tus uploads (create, resume, terminate) and ranged downloads under ATTACHMENTS_PATH.
 * Everything the tus server would decide on its own that matters to us — who may write, how big, which id,
 * no metadata kept — is checked here first and answered with our JSON errors; tus then runs the protocol.
 */
export function attachmentsRouter(deps: ServerDeps, blobs: BlobStore): Router {
  const { db, config } = deps;
  const tus = new TusServer({
    path: ATTACHMENTS_PATH,
    datastore: blobs.tus,
    maxSize: config.maxAttachmentBytes,
    relativeLocation: true,
    // The id was checked (a fresh UUID) before tus runs; nothing of the metadata is kept.
    namingFunction: (_req, metadata) => metadata?.[ATTACHMENT_ID_METADATA_KEY] ?? '',
    onUploadCreate: async () => ({ metadata: {} }),
    onUploadFinish: async (_req, upload) => {
      await db.attachment.updateMany({
        where: { id: upload.id, status: 'uploading' },
        data: { status: 'complete', completedAt: new Date(), storedBytes: BigInt(upload.offset) },
      });
      return {};
    },
    onResponseError: (_req, error) => {
      if (!('status_code' in error)) {
        // Not a protocol error: the store failed (S3 down, bucket missing, disk full). What was stored before
        // stays; the client resumes from the offset a HEAD reports (tus-js-client retries 5xx by itself).
        deps.logger.warn({ err: error, store: blobs.kind }, 'attachment upload failed in the blob store');
        const body = { error: { code: 'internal', message: STORE_FAILED_MESSAGE } };
        return { status_code: 503, body: JSON.stringify(body) };
      }
      const status = error.status_code;
      const code: ErrorCode = TUS_STATUS_CODES[status] ?? (status < 500 ? 'validation_failed' : 'internal');
      return { status_code: status, body: JSON.stringify({ error: { code, message: error.body.trim() } }) };
    },
  });

  const router = Router();
  const toTus = async (req: Request, res: Response): Promise<void> => {
    await tus.handle(req, res);
  };

  router.post(ATTACHMENTS_PATH, async (req, res) => {
    const auth = await authenticate(db, deps.metrics, req, 'device');
    const id = checkCreate(req, config.maxAttachmentBytes);
    const size = Number(req.get('upload-length'));
    if (await db.attachment.findUnique({ where: { id }, select: { id: true } })) {
      throw errors.conflict('an attachment with this id exists already');
    }
    const used = await db.attachment.aggregate({ where: { ownerUserId: auth.userId }, _sum: { size: true } });
    if (Number(used._sum.size ?? 0n) + size > config.attachmentQuotaBytes) {
      throw new AppError(
        'quota_exceeded',
        `this account's attachments would pass its quota of ${config.attachmentQuotaBytes} bytes`,
        413,
      );
    }
    await db.attachment.create({ data: { id, ownerUserId: auth.userId, size: BigInt(size) } });
    await toTus(req, res);
    if (res.statusCode >= 400) {
      // tus refused or the store failed: undo the row (bytes first, as the collector does), so the client
      // may try the same id again and the quota doesn't count a blob that doesn't exist. If the store can't
      // be reached now, the row stays and the collector removes both after the upload TTL.
      await blobs
        .remove(id)
        .then(() => db.attachment.deleteMany({ where: { id, status: 'uploading' } }))
        .catch((error: unknown) =>
          deps.logger.warn({ err: error, attachmentId: id }, 'could not undo a failed upload'),
        );
    }
  });

  // Resume (HEAD), append (PATCH): the uploader's own unfinished or finished upload, nobody else's.
  for (const method of ['head', 'patch'] as const) {
    router[method](`${ATTACHMENTS_PATH}/:attachmentId`, async (req, res) => {
      const auth = await authenticate(db, deps.metrics, req, 'device');
      await ownRow(deps, req, auth.userId);
      await toTus(req, res);
    });
  }

  // Terminate: the uploader gives up an upload no message names yet (sent blobs go with their message).
  router.delete(`${ATTACHMENTS_PATH}/:attachmentId`, async (req, res) => {
    const auth = await authenticate(db, deps.metrics, req, 'device');
    const row = await ownRow(deps, req, auth.userId);
    if (row.boundAt) throw errors.conflict('this attachment belongs to a sent message');
    await fromStore(deps, blobs, row.id, () => blobs.remove(row.id));
    await db.attachment.deleteMany({ where: { id: row.id, boundAt: null } });
    res.status(204).set('Tus-Resumable', '1.0.0').end();
  });

  router.options([ATTACHMENTS_PATH, `${ATTACHMENTS_PATH}/:attachmentId`], toTus);

  router.get(`${ATTACHMENTS_PATH}/:attachmentId`, async (req, res) => {
    const auth = await authenticate(db, deps.metrics, req, 'device');
    const id = attachmentId(req);
    const row = await db.attachment.findUnique({ where: { id } });
    if (!row || !(await canReadAttachment(db, row, auth.userId))) throw errors.notFound('attachment');
    if (row.status !== 'complete') throw errors.conflict('this attachment is still being uploaded');
    const size = Number(row.size);
    const range = parseRange(req.get('range'), size);
    if (range === 'unsatisfiable') {
      res.set('Content-Range', `bytes */${size}`);
      throw new AppError('range_not_satisfiable', `the range does not fit a blob of ${size} bytes`, 416);
    }
    const span = range ?? { start: 0, end: size - 1 };
    // The store answers before any header goes out: if it can't, the reader gets a JSON 503, not a cut body.
    const body = await fromStore(deps, blobs, id, () => blobs.read(id, span.start, span.end));
    res.set({
      'Accept-Ranges': 'bytes',
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': 'attachment',
      'X-Content-Type-Options': 'nosniff',
      // Blobs never change under an id; only the client that can decrypt them caches them.
      'Cache-Control': 'private, no-transform',
    });
    if (range) res.status(206).set('Content-Range', `bytes ${span.start}-${span.end}/${size}`);
    res.set('Content-Length', String(span.end - span.start + 1));
    await pipeline(body, res).catch((error: unknown) => {
      // A reader that hangs up mid-download is normal (it resumes with a Range); anything else is logged.
      if (!res.destroyed) deps.logger.warn({ err: error, attachmentId: id }, 'attachment download failed');
    });
  });

  return router;
}

/** A failed upload request: what the store held before it is kept, and the client resumes from there. */
const STORE_FAILED_MESSAGE =
  'the attachment store failed; what was stored before is kept — resume from the offset HEAD reports';

/**
 * Runs a store operation of a request; a store that fails becomes a 503 with our JSON error. The reason
 * (bucket, endpoint, S3's words) goes to the log only: clients learn nothing about the infrastructure.
 */
async function fromStore<T>(
  deps: Pick<ServerDeps, 'logger'>,
  blobs: BlobStore,
  attachmentId: string,
  operation: () => Promise<T>,
): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    deps.logger.warn({ err: error, attachmentId, store: blobs.kind }, 'attachment store failed');
    throw new AppError('internal', 'the attachment store failed; try again in a moment', 503);
  }
}

function attachmentId(req: Request): string {
  const parsed = AttachmentIdParams.safeParse(req.params);
  if (!parsed.success) throw errors.notFound('attachment');
  return parsed.data.attachmentId;
}

async function ownRow(deps: Pick<ServerDeps, 'db'>, req: Request, userId: string) {
  const row = await deps.db.attachment.findUnique({ where: { id: attachmentId(req) } });
  if (!row || row.ownerUserId !== userId) throw errors.notFound('attachment');
  return row;
}

/** Validates a tus creation request; returns the attachment id the client chose. */
function checkCreate(req: Request, maxBytes: number): string {
  if (req.get('upload-defer-length') !== undefined) {
    throw errors.validation('Upload-Length must be given at creation (the blob length is known in advance)');
  }
  if (req.get('upload-concat') !== undefined) throw errors.validation('Upload-Concat is not supported');
  const lengthHeader = req.get('upload-length') ?? '';
  if (!/^\d{1,16}$/.test(lengthHeader)) throw errors.validation('Upload-Length must be a whole number of bytes');
  const length = Number(lengthHeader);
  if (length > maxBytes) {
    throw new AppError(
      'payload_too_large',
      `an attachment may be at most ${maxBytes} bytes (this one: ${length})`,
      413,
    );
  }
  if (length < MIN_BLOB_BYTES) throw errors.validation(`an attachment blob is at least ${MIN_BLOB_BYTES} bytes`);
  let metadata: Record<string, string | null>;
  try {
    metadata = Metadata.parse(req.get('upload-metadata'));
  } catch {
    throw errors.validation('Upload-Metadata is malformed');
  }
  const keys = Object.keys(metadata);
  const id = metadata[ATTACHMENT_ID_METADATA_KEY];
  if (keys.length !== 1 || typeof id !== 'string' || !UUID.test(id)) {
    throw errors.validation(
      `Upload-Metadata must carry exactly "${ATTACHMENT_ID_METADATA_KEY}" (a UUID): the server keeps no names or types`,
    );
  }
  return id;
}
