import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ErrorBody } from '../../../common/contract';
import { uniqueViolation } from '../db/unique-violation';
import { AppError } from '../errors';
import type { Logger } from '../observability/logger';

function send(res: Parameters<RequestHandler>[1], status: number, body: ErrorBody): void {
  res.status(status).json(body);
}

export const notFoundHandler: RequestHandler = (req, res) => {
  send(res, 404, { error: { code: 'not_found', message: `no route for ${req.method} ${req.path}` } });
};

/** Maps every error to `{ error: { code, message } }`. Unexpected errors are logged and never leak details. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    if (res.headersSent) return;
    if (error instanceof AppError) {
      const body: ErrorBody = { error: { code: error.code, message: error.message } };
      if (error.issues) body.error.issues = [...error.issues];
      if (error.reason) body.error.reason = error.reason;
      send(res, error.status, body);
      return;
    }
    // A race the database's unique index settled (two requests inserted the same key): the loser gets the
    // 409 it would have had a moment later. Use cases map the violations they know more precisely.
    const unique = uniqueViolation(error);
    if (unique) {
      logger.info(
        { model: unique.model, fields: unique.fields, method: req.method, path: req.path },
        'unique constraint race',
      );
      send(res, 409, { error: { code: 'conflict', message: `that ${unique.model ?? 'record'} already exists` } });
      return;
    }
    // body-parser errors carry `type` and `status`.
    const parserError = error as { type?: string; status?: number };
    if (parserError.type === 'entity.too.large') {
      send(res, 413, { error: { code: 'payload_too_large', message: 'the request body is too large' } });
      return;
    }
    if (parserError.type === 'entity.parse.failed') {
      send(res, 400, { error: { code: 'malformed_json', message: 'the request body is not valid JSON' } });
      return;
    }
    if (typeof parserError.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
      send(res, parserError.status, { error: { code: 'validation_failed', message: 'the request could not be read' } });
      return;
    }
    logger.error({ err: error, method: req.method, path: req.path }, 'unhandled error');
    send(res, 500, { error: { code: 'internal', message: 'something went wrong on the server' } });
  };
}
