import { api, createApiClient } from '../../common/contract';
import { generateBoxKeyPair, initCrypto, toBase64Url } from '../../common/crypto';
import { signUpPhone } from '../../server/test/support/phone';
import { startTestServer, type TestServer } from '../../server/test/support/test-server';
import { LyingServer } from './lying-server';

/** The fixture that plays a malicious server must itself be trustworthy: its lies reach the client. */
describe('LyingServer, a proxy that rewrites the real server answers', () => {
  let server: TestServer;
  let liar: LyingServer;
  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
    liar = await new LyingServer(server.url).start();
  });
  afterAll(async () => {
    await liar.stop();
    await server.stop();
  });

  it('passes answers through untouched until a rewrite is installed, then the client sees the lie', async () => {
    const alice = await signUpPhone(server, 'liealice');
    const bob = await signUpPhone(server, 'liebob');
    const viaLiar = createApiClient({ baseUrl: liar.url, accessToken: () => alice.session.tokens.accessToken });

    const honest = await viaLiar.call('lookupUser', { params: { username: bob.session.username } });
    expect(honest.identityPublicKey).toBe(toBase64Url(bob.session.identity.publicKey));

    const forged = toBase64Url(generateBoxKeyPair().publicKey);
    const undo = liar.rewriteJson(api.lookupUser, (body, context) => {
      expect(context.params.username).toBe(bob.session.username);
      return { ...(body as object), identityPublicKey: forged };
    });
    const lied = await viaLiar.call('lookupUser', { params: { username: bob.session.username } });
    expect(lied.identityPublicKey).toBe(forged);
    undo();
    const again = await viaLiar.call('lookupUser', { params: { username: bob.session.username } });
    expect(again.identityPublicKey).toBe(toBase64Url(bob.session.identity.publicKey));

    const seen = liar.requestsTo(api.lookupUser);
    expect(seen).toHaveLength(3);
    expect(seen[1]!.responseBody).toMatchObject({ identityPublicKey: forged });
  });

  it('records request bodies and keeps error answers as they are', async () => {
    const viaLiar = createApiClient({ baseUrl: liar.url });
    await expect(viaLiar.call('prelogin', { body: { username: 'nobody_here' } })).resolves.toBeDefined();
    const response = await fetch(`${liar.url}/users/someone`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: expect.any(String) } });
    expect(liar.requestsTo({ method: 'POST', path: '/auth/prelogin' }).at(-1)!.body).toEqual({
      username: 'nobody_here',
    });
  });

  it('rewrites, drops and adds SSE events on a live stream', async () => {
    const alice = await signUpPhone(server, 'liesse');
    const undo = liar.rewriteSse((event) =>
      event.event === 'connected' ? [{ event: 'forged', data: '{"x":1}' }, event] : event,
    );
    const abort = new AbortController();
    const response = await fetch(`${liar.url}/sse/connect?from=now`, {
      headers: { authorization: `Bearer ${alice.session.tokens.accessToken}` },
      signal: abort.signal,
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('event: connected')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    abort.abort();
    undo();
    expect(text.indexOf('event: forged')).toBeGreaterThanOrEqual(0);
    expect(text.indexOf('event: forged')).toBeLessThan(text.indexOf('event: connected'));
  });
});
