import type { Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import type { RouteSpec } from '../../../common/contract';
import type { Db } from '../db/client';
import { AppError, errors } from '../errors';
import type { Metrics } from '../observability/metrics';
import { type AuthContext, authenticate } from './authenticate';

export interface HandlerInput<S extends RouteSpec, A> {
  readonly params: z.infer<S['params']>;
  readonly query: z.infer<S['query']>;
  readonly body: z.infer<S['body']>;
  readonly auth: A;
  readonly req: Request;
  /** Override the spec's success status (e.g. 200 for an idempotent replay of a 201 create). */
  setStatus(status: number): void;
}

type AuthOf<S extends RouteSpec> = S['auth'] extends 'public' ? null : AuthContext;
type Handler<S extends RouteSpec> = (
  input: HandlerInput<S, AuthOf<S>>,
) => Promise<z.input<S['response']>> | z.input<S['response']>;

export interface MountDeps {
  readonly db: Db;
  readonly metrics: Metrics;
}

function parse<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  const first = issues[0];
  throw errors.validation(first ? `${first.path}: ${first.message}` : `invalid ${where}`, issues);
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Registers one contract route: authenticate as the spec says, validate params/query/body with the
 * spec's schemas (nothing unvalidated reaches a use-case), run the handler, answer with the spec's status.
 */
export function mountRoute<S extends RouteSpec>(router: Router, deps: MountDeps, spec: S, handler: Handler<S>): void {
  const method = spec.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
  const express: RequestHandler = async (req: Request, res: Response) => {
    const auth = spec.auth === 'public' ? null : await authenticate(deps.db, deps.metrics, req, spec.auth);
    if (BODY_METHODS.has(spec.method) && req.body === undefined && Number(req.get('content-length') ?? 0) > 0) {
      throw new AppError('unsupported_media_type', 'send the body as application/json', 415);
    }
    const params = parse(spec.params, req.params, 'params') as z.infer<S['params']>;
    const query = parse(spec.query, req.query, 'query') as z.infer<S['query']>;
    const body = parse(spec.body, BODY_METHODS.has(spec.method) ? (req.body ?? {}) : {}, 'body') as z.infer<S['body']>;
    let status: number = spec.status;
    const result = await handler({
      params,
      query,
      body,
      auth: auth as AuthOf<S>,
      req,
      setStatus: (s) => {
        status = s;
      },
    });
    if (status === 204) res.status(204).end();
    else res.status(status).json(result);
  };
  router[method](spec.path, express);
}
