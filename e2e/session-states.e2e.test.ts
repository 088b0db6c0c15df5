import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initCrypto } from '../common/crypto';
import { DesktopCore } from '../desktop/src/core/desktop-core';
import { loadCredentials } from '../desktop/src/core/session/credentials';
import type { SessionEvent } from '../desktop/src/core/session/device-session';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { pairDesktop, until, untilProgress } from './support/desktop';

/**
 * A desktop tells its session's end apart from being offline: offline it keeps its keys and reconnects;
 * expired (refresh token ran out) or ended (signed out, or revoked for a reused refresh token) it wipes
 * its keys (an ended session its store too; an expired one keeps it for a relink), says which, and
 * stops — no request after that, however long it runs.
 */
describe('the desktop core tells a dead session from an outage', () => {
  let server: TestServer;
  const dirs: string[] = [];
  const cores: DesktopCore[] = [];

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer({ SSE_HEARTBEAT_SECONDS: '1' });
  });
  afterAll(async () => {
    for (const core of cores) await core.stop().catch(() => undefined);
    await server.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A linked, connected desktop whose every HTTP request (API and stream) is counted. */
  async function linkedDesktop(name: string) {
    const dir = mkdtempSync(path.join(os.tmpdir(), `symc-session-${name}-`));
    dirs.push(dir);
    const phone = await signUpPhone(server, name);
    const vault = await pairDesktop(server.url, phone, dir);
    const requests: string[] = [];
    const counting: typeof fetch = (input, init) => {
      requests.push(String(input));
      return fetch(input, init);
    };
    const core = await DesktopCore.open({
      dataDir: dir,
      vault,
      fetch: counting,
      backoff: { initialMs: 20, maxMs: 100 },
    });
    if (!core) throw new Error('not linked');
    cores.push(core);
    const ends: SessionEvent[] = [];
    core.session.onEvent((event) => ends.push(event));
    await core.start();
    await untilProgress(core, (p) => p.connection === 'connected' && p.primed);
    return { dir, vault, core, phone, requests, ends };
  }

  /** After the end: nothing is asked of the server again (the reconnect loop has stopped for good). */
  async function expectSilence(requests: string[]): Promise<void> {
    const count = requests.length;
    await new Promise((r) => setTimeout(r, 600)); // several times the 100 ms reconnect ceiling
    expect(requests.slice(count)).toEqual([]);
  }

  it('expired: the refresh token ran out while the desktop was away → "expired", keys wiped (store kept for a relink), no more requests', async () => {
    const { dir, vault, core, requests, ends } = await linkedDesktop('expiry');
    // 30 days without use, as the server sees it: both tokens are past their time.
    const past = new Date(Date.now() - 1000);
    await server.server.deps.db.session.updateMany({
      where: { deviceId: core.session.deviceId },
      data: { accessExpiresAt: past, refreshExpiresAt: past },
    });
    core.engine.dropConnection();
    await until(() => ends.length > 0, 10_000, 'the session end');
    expect(ends).toEqual([{ type: 'expired' }]);
    expect(core.engine.progress.connection).toBe('revoked');
    expect(await loadCredentials(vault)).toBeNull();
    // The store stays, unreadable without the keys, for the same account's relink (e2e/relink.e2e.test.ts).
    expect(existsSync(DesktopCore.databaseFile(dir))).toBe(true);
    await expectSilence(requests);
  });

  it('ended: its refresh token replayed elsewhere → the stream ends, the desktop says "ended" and stops', async () => {
    const { vault, requests, ends } = await linkedDesktop('replayed');
    // A copy of the desktop's refresh token (a thief) is used twice: the server ends the whole family.
    const { refreshToken } = (await loadCredentials(vault))!;
    const api = server.client();
    await api.call('refresh', { body: { refreshToken } });
    await expect(api.call('refresh', { body: { refreshToken } })).rejects.toMatchObject({
      status: 401,
      reason: 'ended',
    });
    await until(() => ends.length > 0, 10_000, 'the session end');
    expect(ends).toEqual([{ type: 'ended' }]);
    expect(await loadCredentials(vault)).toBeNull();
    await expectSilence(requests);
  });

  it('offline: the server goes away and comes back → "offline", keys kept, then connected again', async () => {
    const { vault, core, ends } = await linkedDesktop('outage');
    const port = server.server.port;
    const dataDir = server.dataDir;
    await server.stop({ keepData: true });
    await untilProgress(core, (p) => p.connection === 'offline');
    await new Promise((r) => setTimeout(r, 300)); // a few failed reconnects
    expect(ends).toEqual([]);
    expect(await loadCredentials(vault)).not.toBeNull();
    server = await startTestServer({ SSE_HEARTBEAT_SECONDS: '1' }, { dataDir, port });
    await untilProgress(core, (p) => p.connection === 'connected');
    expect(ends).toEqual([]);
  });
});
