import fc from 'fast-check';
import { api, ErrorBody, type RouteName, type RouteSpec } from '../../../common/contract';
import {
  encodePublicKey,
  generateBoxKeyPair,
  initCrypto,
  newCheckCode,
  startDesktopPake,
} from '../../../common/crypto';
import { sendText, startChat } from '../../../mobile-pairing/src/core/chats';
import { linkDesktopDirectly } from './desktop-fixture';
import { signUpPhone } from './phone';
import type { TestServer } from './test-server';
import { arbitraryFor, type ArbitraryContext, nastyString } from './zod-arbitrary';

const DEFAULT_RUNS = 30;
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

/** Routes that end the session or a device: they run with a throwaway device's token, not the fixtures'. */
const ENDS_A_SESSION = new Set<RouteName>(['logout', 'revokeDevice']);

type Auth = 'none' | 'phone' | 'desktop' | 'garbage' | 'malformed';

interface Fixtures {
  phoneToken: string;
  desktopToken: string;
  ctx: ArbitraryContext;
}

/** The server settings a fuzz run needs: no long-polls, quick heartbeats, no rate limit in the way. */
export const FUZZ_ENV = { PAIRING_WAIT_SECONDS: '1', SSE_HEARTBEAT_SECONDS: '0.2' };

async function createFixtures(server: TestServer): Promise<Fixtures> {
  const phone = await signUpPhone(server, 'fuzz');
  const friend = await signUpPhone(server, 'fuzzfriend');
  const { chat, chatKey } = await startChat(phone.api, phone.session, {
    title: 'Fuzzed',
    memberUsernames: [friend.session.username],
  });
  const message = await sendText(phone.api, phone.session, chat.chatId, chatKey, 'a real message');
  const desktop = await linkDesktopDirectly(server, phone.session.userId);
  const pake = startDesktopPake(newCheckCode());
  const pairing = await server.client().call('createPairingSession', {
    body: {
      desktopPublicKey: encodePublicKey(generateBoxKeyPair().publicKey),
      deviceName: 'Fuzz desktop',
      platform: 'linux',
      pake: { sid: pake.sid, share: pake.share },
    },
  });
  return {
    phoneToken: phone.session.tokens.accessToken,
    desktopToken: desktop.accessToken,
    // Device ids are left out on purpose: unlinking the fixtures would end the run's coverage.
    ctx: { ids: [phone.session.userId, friend.session.userId, chat.chatId, message.messageId, pairing.pairingId] },
  };
}

/** Mostly a valid token (to get past authentication), sometimes none or a wrong one. */
const authArbitrary = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<Auth>('phone', 'desktop') },
  { weight: 1, arbitrary: fc.constantFrom<Auth>('none', 'garbage', 'malformed') },
);

function headerFor(auth: Auth, tokens: { phone: string; desktop: string }): Record<string, string> {
  switch (auth) {
    case 'phone':
      return { authorization: `Bearer ${tokens.phone}` };
    case 'desktop':
      return { authorization: `Bearer ${tokens.desktop}` };
    case 'garbage':
      return { authorization: `Bearer ${'A'.repeat(43)}` };
    case 'malformed':
      return { authorization: 'Basic Zm9vOmJhcg==' };
    default:
      return {};
  }
}

function pathFor(template: string, params: unknown): string {
  const values = (typeof params === 'object' && params !== null ? params : {}) as Record<string, unknown>;
  // A raw escape such as %E0 (not UTF-8) goes as it is; everything else encoded (lone surrogates made well-formed).
  const segment = (value: string) =>
    /^%[0-9A-F]{2}$/i.test(value) ? value : encodeURIComponent(Buffer.from(value).toString());
  return template.replace(/:([A-Za-z]+)/g, (_, name: string) => segment(String(values[name] ?? '')) || 'x');
}

function queryString(query: unknown): string {
  if (typeof query !== 'object' || query === null) return '';
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value])
      search.append(key, typeof v === 'object' ? JSON.stringify(v) : String(v));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** A body as a client might send it: JSON of the generated value, or bytes that are not JSON at all. */
const rawBodyArbitrary = fc.oneof(
  fc.constant({ text: '{"unterminated": ', type: 'application/json' }),
  fc.constant({ text: '{"__proto__": {"admin": true}}', type: 'application/json' }),
  fc.constant({ text: `${'['.repeat(5000)}${']'.repeat(5000)}`, type: 'application/json' }),
  nastyString.map((text) => ({ text, type: 'application/json' })),
  nastyString.map((text) => ({ text, type: 'text/plain' })),
);

async function expectWellFormedAnswer(
  name: string,
  spec: RouteSpec,
  response: Response,
  request: string,
): Promise<void> {
  const text = await response.text();
  const where = `${name}: ${request} → ${response.status} ${text.slice(0, 300)}`;
  if (response.status >= 500) throw new Error(`a 5xx: ${where}`);
  if (response.status >= 400) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`a 4xx without a JSON body: ${where}`);
    }
    if (!ErrorBody.safeParse(body).success)
      throw new Error(`a 4xx whose body is not { error: { code, message } }: ${where}`);
    return;
  }
  if (response.status === 204 || spec.status === 204) return;
  const parsed = spec.response.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(
      `a ${response.status} that does not match the contract (${parsed.error.issues[0]?.message}): ${where}`,
    );
}

/**
 * Property-based fuzzing of every route in the contract's route table, and of the stream's query string:
 * random inputs generated from each route's zod schemas (mostly valid, wrong at any level now and then),
 * with and without credentials. Every answer is a 2xx that matches the contract or a 4xx with the JSON
 * error body — never a 5xx — and afterwards the server is up and nothing was logged as unhandled;
 * `checkDatabase` adds the database's own checks. Bounded: FUZZ_RUNS requests per route (default 30, or `options.runs`) and a
 * time budget per route; FUZZ_SEED replays a failure (fast-check prints the seed).
 */
export function describeRouteFuzzing(
  title: string,
  start: () => Promise<TestServer>,
  checkDatabase: (server: TestServer) => Promise<void>,
  options: { runs?: number } = {},
): void {
  const RUNS = Number(process.env.FUZZ_RUNS ?? options.runs ?? DEFAULT_RUNS);
  describe(title, () => {
    let server: TestServer;
    let fixtures: Fixtures;
    beforeAll(async () => {
      await initCrypto();
      server = await start();
      fixtures = await createFixtures(server);
    }, 60_000);
    afterAll(() => server?.stop());

    it.each(Object.keys(api) as RouteName[])(
      '%s: every answer is a contract 2xx or a JSON 4xx, never a 5xx',
      async (name) => {
        const spec = api[name] as RouteSpec;
        const hasBody = spec.method !== 'GET' && spec.method !== 'DELETE';
        const input = fc.record({
          params: arbitraryFor(spec.params, fixtures.ctx),
          query: fc.oneof(
            { weight: 9, arbitrary: arbitraryFor(spec.query, fixtures.ctx) },
            { weight: 1, arbitrary: fc.dictionary(nastyString, nastyString, { maxKeys: 3 }) },
          ),
          body: hasBody
            ? fc.oneof(
                { weight: 8, arbitrary: arbitraryFor(spec.body, fixtures.ctx).map((value) => ({ value })) },
                { weight: 1, arbitrary: rawBodyArbitrary },
              )
            : fc.constant(null),
          auth: authArbitrary,
        });
        await fc.assert(
          fc.asyncProperty(input, async ({ params, query, body, auth }) => {
            let tokens = { phone: fixtures.phoneToken, desktop: fixtures.desktopToken };
            let ids = fixtures.ctx.ids;
            if (ENDS_A_SESSION.has(name)) {
              // A throwaway device of the same account: its own id is the one worth unlinking.
              const throwaway = await linkDesktopDirectly(server, fixtures.ctx.ids[0]!);
              tokens = { phone: tokens.phone, desktop: throwaway.accessToken };
              ids = [throwaway.deviceId];
              if (auth === 'phone') tokens.desktop = throwaway.accessToken;
            }
            const resolvedParams =
              ENDS_A_SESSION.has(name) && typeof params === 'object' && params !== null
                ? { ...params, deviceId: ids[0] }
                : params;
            const url = `${server.url}${pathFor(spec.path, resolvedParams)}${queryString(query)}`;
            const headers: Record<string, string> = headerFor(
              ENDS_A_SESSION.has(name) && auth === 'phone' ? 'desktop' : auth,
              tokens,
            );
            let payload: string | undefined;
            if (body && 'value' in body) {
              payload = body.value === undefined ? undefined : JSON.stringify(body.value);
              headers['content-type'] = 'application/json';
            } else if (body) {
              payload = body.text;
              headers['content-type'] = body.type;
            }
            const response = await fetch(url, {
              method: spec.method,
              headers,
              ...(payload !== undefined ? { body: payload } : {}),
            });
            await expectWellFormedAnswer(
              name,
              spec,
              response,
              `${spec.method} ${url} ${auth} ${(payload ?? '').slice(0, 300)}`,
            );
          }),
          {
            numRuns: RUNS,
            ...(SEED !== undefined ? { seed: SEED } : {}),
            interruptAfterTimeLimit: 4_000,
            markInterruptAsFailure: false,
          },
        );
      },
    );

    it('the stream: any query string and Last-Event-ID, with or without a token, opens or is refused with a JSON 4xx', async () => {
      const sometimes = <T>(valid: fc.Arbitrary<T>) =>
        fc.option(fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: nastyString }), {
          nil: undefined,
          freq: 2,
        });
      const query = fc.record({
        ticket: fc.option(fc.oneof(nastyString, fc.stringMatching(/^[A-Za-z0-9_-]{43}$/)), { nil: undefined, freq: 4 }),
        since: sometimes(fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }).map(String), fc.stringMatching(/^\d{1,20}$/))),
        from: sometimes(fc.constant('now')),
        chats: fc.option(nastyString, { nil: undefined, freq: 3 }),
      });
      const lastEventId = fc.option(
        fc.oneof(nastyString, fc.stringMatching(/^h\d{1,16}:\d{1,7}:\d{1,10}$/), fc.stringMatching(/^\d{1,16}$/)),
        { nil: undefined },
      );
      await fc.assert(
        fc.asyncProperty(query, lastEventId, authArbitrary, async (q, eventId, auth) => {
          const headers = headerFor(auth, { phone: fixtures.phoneToken, desktop: fixtures.desktopToken });
          // Header values must be ByteStrings: a Last-Event-ID a browser could not send is not sent.
          if (eventId !== undefined && /^[\x20-\x7e]*$/.test(eventId)) headers['last-event-id'] = eventId;
          const controller = new AbortController();
          const response = await fetch(`${server.url}/sse/connect${queryString(q)}`, {
            headers,
            signal: controller.signal,
          });
          if (response.status === 200) {
            expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
            const reader = response.body!.getReader();
            await reader.read();
            controller.abort();
            await reader.cancel().catch(() => undefined);
            return;
          }
          await expectWellFormedAnswer(
            'sse',
            api.me as RouteSpec,
            response,
            `GET /sse/connect${queryString(q)} ${auth} ${eventId ?? ''}`,
          );
        }),
        {
          numRuns: RUNS * 2,
          ...(SEED !== undefined ? { seed: SEED } : {}),
          interruptAfterTimeLimit: 8_000,
          markInterruptAsFailure: false,
        },
      );
    });

    it('afterwards: the server answers, nothing was logged as unhandled, and the database passes its checks', async () => {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect(server.logs.filter((line) => line.includes('unhandled error'))).toEqual([]);
      await checkDatabase(server);
    });
  });
}
