import type { z } from 'zod';
import { ErrorBody, type ErrorCode, type SessionEndReason } from '../errors';
import { api, type Api, type RouteName } from './api';

/** A refusal from the server, carrying its `{ error: { code, message } }`, or a transport failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'network_error' | 'bad_response' | 'aborted',
    message: string,
    /** On a 401 for a session that can't be used any more: why (see `SessionEndReason`). */
    readonly reason?: SessionEndReason,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- "{} extends T" means: T has no required keys.
type Part<K extends string, T> = {} extends T ? { [P in K]?: T } : { [P in K]: T };
export type CallInput<S extends Api[RouteName]> = Part<'params', z.input<S['params']>> &
  Part<'query', z.input<S['query']>> &
  Part<'body', z.input<S['body']>>;
export type CallOutput<S extends Api[RouteName]> = z.infer<S['response']>;

export interface ApiClientOptions {
  readonly baseUrl: string;
  /** Current access token, or null for public routes / signed-out state. */
  readonly accessToken?: () => string | null;
  readonly fetch?: typeof fetch;
}

export function pathFor(template: string, params: Record<string, unknown>): string {
  return template.replace(/:([A-Za-z]+)/g, (_, name: string) => encodeURIComponent(String(params[name])));
}

/**
 * The typed HTTP client every side uses (desktop core, phone, tests): the route table decides the method,
 * the path and how the answer is validated, so a client can't call an endpoint that doesn't exist or trust
 * a response the contract doesn't describe.
 */
export function createApiClient(options: ApiClientOptions) {
  const doFetch = options.fetch ?? fetch;
  async function call<N extends RouteName>(
    name: N,
    input: CallInput<Api[N]>,
    callOptions: { signal?: AbortSignal } = {},
  ): Promise<CallOutput<Api[N]>> {
    const spec = api[name];
    const loose = input as { params?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown };
    let url = options.baseUrl + pathFor(spec.path, loose.params ?? {});
    if (loose.query) {
      const search = new URLSearchParams();
      for (const [key, value] of Object.entries(loose.query)) if (value !== undefined) search.set(key, String(value));
      if ([...search].length > 0) url += `?${search.toString()}`;
    }
    const headers: Record<string, string> = {};
    const token = options.accessToken?.();
    if (token && spec.auth !== 'public') headers.authorization = `Bearer ${token}`;
    const hasBody = spec.method !== 'GET' && spec.method !== 'DELETE';
    if (hasBody) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await doFetch(url, {
        method: spec.method,
        headers,
        ...(hasBody ? { body: JSON.stringify(loose.body ?? {}) } : {}),
        ...(callOptions.signal ? { signal: callOptions.signal } : {}),
      });
    } catch (error) {
      if (callOptions.signal?.aborted) throw new ApiError(0, 'aborted', 'the request was cancelled');
      throw new ApiError(0, 'network_error', `cannot reach the server: ${(error as Error).message}`);
    }
    if (!response.ok) {
      const parsed = ErrorBody.safeParse(await response.json().catch(() => null));
      if (parsed.success)
        throw new ApiError(
          response.status,
          parsed.data.error.code,
          parsed.data.error.message,
          parsed.data.error.reason,
        );
      throw new ApiError(response.status, 'bad_response', `the server answered ${response.status}`);
    }
    if (response.status === 204) return undefined as CallOutput<Api[N]>;
    const parsed = spec.response.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) throw new ApiError(response.status, 'bad_response', `unexpected answer to ${name}`);
    return parsed.data as CallOutput<Api[N]>;
  }
  return { call, baseUrl: options.baseUrl };
}

export type ApiClient = ReturnType<typeof createApiClient>;
