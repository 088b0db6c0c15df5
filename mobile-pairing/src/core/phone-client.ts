import {
  api,
  type Api,
  type ApiClient,
  ApiError,
  type AuthTokens,
  type CallInput,
  type CallOutput,
  createApiClient,
  type RouteName,
} from '../../../common/contract';

/** Why a phone's session ended without the user asking: the UI says which, in words. */
export type SessionEnd = 'revoked' | 'expired';

export interface PhoneClientOptions {
  readonly baseUrl: string;
  /** The current tokens, or null when signed out. */
  readonly tokens: () => AuthTokens | null;
  /** Rotated tokens, to be kept (and persisted) by the owner of the session. */
  readonly onTokens: (tokens: AuthTokens) => void | Promise<void>;
  /** The server will not take this device's tokens any more: the owner wipes the local session. */
  readonly onSessionEnded: (why: SessionEnd) => void | Promise<void>;
  readonly fetch?: typeof fetch;
}

/**
 * An `ApiClient` for a signed-in phone: the same typed `call`, plus the session's upkeep — an expired
 * access token is refreshed once (however many calls notice at the same time) and the call retried; a
 * device the server says was unlinked, or a refresh token that is no longer valid, ends the session.
 * Every core function that takes an ApiClient works with it unchanged.
 */
export function createPhoneClient(options: PhoneClientOptions): ApiClient {
  const inner = createApiClient({
    baseUrl: options.baseUrl,
    accessToken: () => options.tokens()?.accessToken ?? null,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  let refreshing: Promise<void> | null = null;

  async function endSession(why: SessionEnd, error: ApiError): Promise<never> {
    await options.onSessionEnded(why);
    throw error;
  }

  function refresh(): Promise<void> {
    refreshing ??= (async () => {
      try {
        const current = options.tokens();
        if (!current) throw new ApiError(401, 'unauthenticated', 'sign in first');
        await options.onTokens(await inner.call('refresh', { body: { refreshToken: current.refreshToken } }));
      } catch (error) {
        if (error instanceof ApiError && error.code === 'device_revoked') await endSession('revoked', error);
        if (error instanceof ApiError && error.code === 'unauthenticated') await endSession('expired', error);
        throw error;
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  async function call<N extends RouteName>(
    name: N,
    input: CallInput<Api[N]>,
    callOptions: { signal?: AbortSignal } = {},
  ): Promise<CallOutput<Api[N]>> {
    const sentWith = options.tokens()?.accessToken;
    try {
      return await inner.call(name, input, callOptions);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.code === 'device_revoked') return endSession('revoked', error);
      // A public route (sign-in, prelogin…) answers 401 for wrong credentials: that is not a session ending.
      if (api[name].auth === 'public') throw error;
      if (error.code !== 'unauthenticated' && error.code !== 'token_expired') throw error;
      // Refresh rotates the pair and the old access token dies at once: a call that was in flight with it
      // while another call refreshed is refused as unauthenticated, and only needs to go again.
      if (refreshing) await refreshing.catch(() => undefined);
      const current = options.tokens()?.accessToken;
      if (!current) throw error; // signed out meanwhile (or never signed in): nothing to keep going
      if (current !== sentWith) return inner.call(name, input, callOptions);
      if (error.code === 'unauthenticated') return endSession('expired', error);
      await refresh();
      return inner.call(name, input, callOptions);
    }
  }

  return { call, baseUrl: options.baseUrl };
}
