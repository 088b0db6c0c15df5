import { initCrypto } from '../../common/crypto';
import { loadConfig } from '../src/config';
import { raw, signUpPhone } from './support/phone';
import { startTestServer, type TestServer } from './support/test-server';

let server: TestServer;
beforeAll(async () => {
  await initCrypto();
  server = await startTestServer();
});
afterAll(() => server.stop());

it('/healthz answers ok when the database answers (details in server/test/healthz.test.ts)', async () => {
  const res = await raw(server, 'GET', '/healthz');
  expect(res).toMatchObject({ status: 200, body: { status: 'ok' } });
});

it('/metrics exposes request counters by route pattern, never by raw id', async () => {
  const { api } = await signUpPhone(server, 'metrics');
  await api.call('listChats', {});
  const res = await fetch(`${server.url}/metrics`);
  const text = await res.text();
  expect(res.headers.get('content-type')).toMatch(/text\/plain/);
  expect(text).toMatch(/symc_http_requests_total\{method="GET",route="\/chats",status="200"\} 1/);
  expect(text).toMatch(/symc_http_request_duration_seconds_bucket/);
  expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}/);
});

it('an unknown route answers 404 in the error format', async () => {
  const res = await raw(server, 'GET', '/nope');
  expect(res.status).toBe(404);
  expect(res.body).toEqual({ error: { code: 'not_found', message: 'no route for GET /nope' } });
});

it('request logs are structured JSON with route, status and timing, and no query strings', async () => {
  await raw(server, 'GET', '/healthz?ticket=SECRET-TICKET-123');
  const lines = server.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
  const request = lines.find((l) => l.msg === 'request' && l.route === '/healthz');
  expect(request).toMatchObject({ method: 'GET', status: 200 });
  expect(typeof request?.ms).toBe('number');
  expect(server.logs.join('\n')).not.toContain('SECRET-TICKET-123');
});

describe('METRICS_TOKEN', () => {
  const token = 'metrics-token-for-the-test-0123456789';
  let guarded: TestServer;
  beforeAll(async () => {
    guarded = await startTestServer({ METRICS_TOKEN: token });
  });
  afterAll(() => guarded.stop());

  it('when set, /metrics without the token (or with another) is 401 JSON; with it, Prometheus text', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token', `Bearer ${token}x`, token]) {
      const res = await fetch(`${guarded.url}/metrics`, authorization ? { headers: { authorization } } : {});
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({
        error: { code: 'unauthenticated', message: expect.stringContaining('METRICS_TOKEN') },
      });
    }
    const ok = await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/symc_http_requests_total/);
    // The health check stays open for load balancers.
    expect((await raw(guarded, 'GET', '/healthz')).status).toBe(200);
  });

  it('a token shorter than 16 characters stops the server from starting, naming the variable', async () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN: must be at least 16 characters/);
  });
});
