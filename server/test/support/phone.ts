import type { ApiClient } from '../../../common/contract';
import { createAccount, type PhoneSession } from '../../../mobile-pairing/src/core/account';
import type { TestServer } from './test-server';

let counter = 0;

/** A signed-up phone with a client that sends its access token. */
export async function signUpPhone(
  server: TestServer,
  name = 'user',
): Promise<{ session: PhoneSession; api: ApiClient; password: string }> {
  const username = `${name}${process.pid}${++counter}`.toLowerCase().slice(0, 32);
  const password = `pw-${username}-secret`;
  const session = await createAccount(server.client(), {
    username,
    password,
    device: { name: `${name}'s phone`, platform: 'ios' },
    kdfProfile: 'minimal',
  });
  return { session, api: server.client(() => session.tokens.accessToken), password };
}

/** A raw request, for inputs the typed client refuses to build (wrong types, bad JSON, no token). */
export async function raw(
  server: TestServer,
  method: string,
  urlPath: string,
  options: { token?: string; body?: unknown; rawBody?: string; contentType?: string } = {},
  // Whatever JSON the route answered (error bodies included); each test asserts the shape it expects.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(server.url + urlPath, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * A phone of an account made before message signing: signed up as today, then the signing key is taken
 * off the account row (as the migration leaves old accounts) and out of the session (as an old app holds it).
 */
export async function signUpPhoneWithoutSigningKey(
  server: TestServer,
  name = 'legacy',
): Promise<{ session: PhoneSession; api: ApiClient; password: string }> {
  const phone = await signUpPhone(server, name);
  await server.server.deps.db.user.update({
    where: { id: phone.session.userId },
    data: { signingPublicKey: null, wrappedSigningSecretKey: null },
  });
  return { ...phone, session: { ...phone.session, signing: null } };
}
