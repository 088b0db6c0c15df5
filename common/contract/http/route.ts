import { z } from 'zod';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Who may call a route:
 * - `public`: nobody signed in;
 * - `device`: any signed-in, unrevoked device of the account;
 * - `phone`: a signed-in phone (the device that owns the master key).
 */
export type RouteAuth = 'public' | 'device' | 'phone';

/**
 * One HTTP endpoint, described once: the server registers its handler from it (validating params, query
 * and body at the edge) and the clients call it through it — so the two ends cannot drift.
 */
export interface RouteSpec<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
> {
  readonly method: HttpMethod;
  readonly path: string;
  readonly auth: RouteAuth;
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly response: R;
  /** Success status; 204 means no body. */
  readonly status: 200 | 201 | 204;
}

const Empty = z.object({}).strict();
export const NoContent = z.void();

export function route<
  P extends z.ZodType = typeof Empty,
  Q extends z.ZodType = typeof Empty,
  B extends z.ZodType = typeof Empty,
  R extends z.ZodType = typeof NoContent,
>(spec: {
  method: HttpMethod;
  path: string;
  auth: RouteAuth;
  params?: P;
  query?: Q;
  body?: B;
  response?: R;
  status?: 200 | 201 | 204;
}): RouteSpec<P, Q, B, R> {
  return {
    method: spec.method,
    path: spec.path,
    auth: spec.auth,
    params: (spec.params ?? Empty) as P,
    query: (spec.query ?? Empty) as Q,
    body: (spec.body ?? Empty) as B,
    response: (spec.response ?? NoContent) as R,
    status: spec.status ?? (spec.response ? 200 : 204),
  };
}

export type ParamsOf<S extends RouteSpec> = z.infer<S['params']>;
export type QueryOf<S extends RouteSpec> = z.infer<S['query']>;
export type BodyOf<S extends RouteSpec> = z.infer<S['body']>;
export type ResponseOf<S extends RouteSpec> = z.infer<S['response']>;
