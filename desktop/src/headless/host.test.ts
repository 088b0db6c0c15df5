import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { AppService } from '../app/app-service';
import { FileKeyVault } from '../core/keys/file-key-vault';
import { type HeadlessHost, startHeadlessHost } from './host';

/** A raw request, so the Host and Origin headers can be anything. */
function request(
  host: HeadlessHost,
  method: string,
  urlPath: string,
  options: { body?: string; headers?: Record<string, string> } = {},
  // Whatever JSON the route answered; each test asserts the shape it expects.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string; json: any }> {
  const { port } = new URL(host.origin);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path: urlPath, headers: options.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

describe('the headless host: the app service over HTTP, behind a per-run token', () => {
  let dir: string;
  let app: AppService;
  let host: HeadlessHost;
  const ipc = (channel: string, body: unknown, headers: Record<string, string> = {}) =>
    request(host, 'POST', `/${host.token}/ipc/${channel}`, {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...headers },
    });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-headless-'));
    const rendererDir = path.join(dir, 'renderer');
    mkdirSync(rendererDir);
    writeFileSync(
      path.join(rendererDir, 'index.html'),
      '<!doctype html><html><head><script type="module" src="./assets/app.js"></script></head></html>',
    );
    writeFileSync(path.join(dir, 'bridge.js'), 'export {};');
    // Not linked: the service answers from its pairing state and never needs the (unreachable) server.
    app = new AppService({
      serverUrl: 'http://127.0.0.1:9',
      dataDir: dir,
      vault: new FileKeyVault(path.join(dir, 'keys')),
      deviceName: 'Test',
      platform: 'linux',
    });
    await app.start();
    host = await startHeadlessHost({ app, rendererDir, bridgeFile: path.join(dir, 'bridge.js') });
  });
  afterAll(async () => {
    await host.close();
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 with a long random token in the URL', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{32}\/$/);
  });

  it('answers a valid request with the contract envelope', async () => {
    const res = await ipc('getState', {});
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true, value: expect.objectContaining({ screen: 'pairing', account: null }) });
  });

  it('refuses a missing or wrong token before anything else', async () => {
    const none = await request(host, 'POST', '/ipc/getState', {
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(none.status).toBe(403);
    expect(none.json.error.code).toBe('bad_token');
    // One character off (never the same character: a token ending in x would otherwise match itself).
    const wrongToken = host.token.slice(0, -1) + (host.token.endsWith('x') ? 'y' : 'x');
    const wrong = await request(host, 'POST', `/${wrongToken}/ipc/getState`, {
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(wrong).toMatchObject({
      status: 403,
      json: { error: { code: 'bad_token', message: expect.stringContaining('token') } },
    });
    const root = await request(host, 'GET', '/');
    expect(root).toMatchObject({ status: 404, json: { error: { code: 'not_found' } } });
    const page = await request(host, 'GET', '/nottheapp/');
    expect(page.status).toBe(403);
  });

  it('refuses an unknown channel with 404 and an invalid payload with 400, naming the field', async () => {
    expect(await ipc('dropDatabase', {})).toMatchObject({
      status: 404,
      json: { error: { code: 'unknown_channel', message: expect.stringContaining('dropDatabase') } },
    });
    expect(await ipc('__proto__', {})).toMatchObject({ status: 404, json: { error: { code: 'unknown_channel' } } });
    expect(await ipc('%E0', {})).toMatchObject({ status: 404, json: { error: { code: 'unknown_channel' } } });
    expect(await ipc('getState%00', {})).toMatchObject({ status: 404, json: { error: { code: 'unknown_channel' } } });
    const bad = await ipc('openChat', { chatId: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toEqual({ code: 'invalid_request', message: expect.stringContaining('chatId') });
    expect(await ipc('sendMessage', { chatId: randomUUID(), text: '' })).toMatchObject({
      status: 400,
      json: { error: { code: 'invalid_request' } },
    });
  });

  it('refuses what the state does not allow: chats before linking is 409', async () => {
    expect(await ipc('listChats', {})).toMatchObject({
      status: 409,
      json: { error: { code: 'wrong_state', message: expect.stringContaining('not linked') } },
    });
  });

  it('refuses malformed JSON, other content types, other origins and other Host names', async () => {
    const malformed = await request(host, 'POST', `/${host.token}/ipc/getState`, {
      body: '{nope',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed).toMatchObject({ status: 400, json: { error: { code: 'malformed_json' } } });
    // text/plain is what a cross-site form could send without a preflight.
    const plain = await request(host, 'POST', `/${host.token}/ipc/getState`, {
      body: '{}',
      headers: { 'content-type': 'text/plain' },
    });
    expect(plain).toMatchObject({ status: 415, json: { error: { code: 'unsupported_media_type' } } });
    expect(await ipc('getState', {}, { origin: 'https://evil.example' })).toMatchObject({
      status: 403,
      json: { error: { code: 'forbidden_origin' } },
    });
    expect(await ipc('getState', {}, { origin: host.origin })).toMatchObject({ status: 200 });
    const rebound = await request(host, 'GET', `/${host.token}/`, { headers: { host: 'attacker.example' } });
    expect(rebound).toMatchObject({ status: 421, json: { error: { code: 'wrong_host' } } });
    const get = await request(host, 'GET', `/${host.token}/ipc/getState`);
    expect(get).toMatchObject({ status: 405 });
  });

  it('answers an oversized body with 413 and the JSON error (the connection is not reset), then serves the next request', async () => {
    const body = JSON.stringify({ query: 'x'.repeat(2 * 1024 * 1024) });
    const big = await request(host, 'POST', `/${host.token}/ipc/search`, {
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(big).toMatchObject({
      status: 413,
      json: { error: { code: 'payload_too_large', message: expect.stringContaining('limited') } },
    });
    // Without a length up front (chunked), too.
    const chunked = await request(host, 'POST', `/${host.token}/ipc/search`, {
      body,
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
    });
    expect(chunked.status).toBe(413);
    expect((await ipc('getState', {})).status).toBe(200);
  });

  it('serves the renderer with the bridge placed before the app script, under a strict CSP and no referrer', async () => {
    const page = await request(host, 'GET', `/${host.token}/`);
    expect(page.status).toBe(200);
    expect(page.text.indexOf('./symc-bridge.js')).toBeGreaterThan(-1);
    expect(page.text.indexOf('./symc-bridge.js')).toBeLessThan(page.text.indexOf('./assets/app.js'));
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect((await request(host, 'GET', `/${host.token}/symc-bridge.js`)).text).toBe('export {};');
    // Leaving the token's folder: the URL resolves outside it, so the token is missing.
    expect((await request(host, 'GET', `/${host.token}/../bridge.js`)).status).toBe(403);
    expect((await request(host, 'GET', `/${host.token}/..%2fbridge.js`)).status).toBe(404);
    expect((await request(host, 'GET', `/${host.token}/assets/..%2f..%2f..%2fbridge.js`)).status).toBe(404);
    expect((await request(host, 'GET', `/${host.token}/assets/missing.js`)).status).toBe(404);
  });
});
