import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initCrypto, sha256Hex } from '../../common/crypto';
import { openSession } from '../src/modules/accounts/tokens';
import { openSse } from './support/sse-client';
import { raw, signUpPhone } from './support/phone';
import { databaseBeforeReuseMigration, REUSE_MIGRATION } from './support/pre-reuse-session';
import { startTestServer, type TestServer } from './support/test-server';

let server: TestServer;
beforeAll(async () => {
  await initCrypto();
  server = await startTestServer();
});
afterAll(() => server.stop());

const refresh = (s: TestServer, refreshToken: string) => raw(s, 'POST', '/auth/refresh', { body: { refreshToken } });
const me = (s: TestServer, accessToken: string) => raw(s, 'GET', '/me', { token: accessToken });

describe('refresh-token reuse revokes the whole token family', () => {
  it('a thief who refreshes first loses the session too once the owner presents the same (now spent) token', async () => {
    const { session } = await signUpPhone(server, 'owner');
    const stolen = session.tokens.refreshToken;
    const thief = await refresh(server, stolen);
    expect(thief.status).toBe(200);
    expect((await me(server, thief.body.accessToken)).status).toBe(200);

    const owner = await refresh(server, stolen);
    expect(owner).toMatchObject({
      status: 401,
      body: { error: { code: 'unauthenticated', message: expect.stringContaining('already used') } },
    });
    // Every token of the family is dead: the thief's access token, and its refresh token.
    expect((await me(server, thief.body.accessToken)).status).toBe(401);
    expect((await refresh(server, thief.body.refreshToken)).status).toBe(401);
    const row = await server.server.deps.db.session.findFirstOrThrow({ where: { deviceId: session.deviceId } });
    expect(row.revokedAt).not.toBeNull();
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/symc_auth_failures_total\{reason="refresh_token_reuse"\} [1-9]/);
  });

  it('the owner refreshing first does not protect the family from a replay of the old token: the replay ends it for both', async () => {
    const { session } = await signUpPhone(server, 'early');
    const owner = await refresh(server, session.tokens.refreshToken);
    expect(owner.status).toBe(200);
    expect((await refresh(server, session.tokens.refreshToken)).status).toBe(401);
    expect((await me(server, owner.body.accessToken)).status).toBe(401);
  });

  it('a replay ends the family only: another session of the same account keeps working', async () => {
    const first = await signUpPhone(server, 'twosessions');
    const second = await server.server.deps.db.$transaction((tx) =>
      openSession(tx, first.session.deviceId, server.server.deps.config),
    );
    expect((await refresh(server, first.session.tokens.refreshToken)).status).toBe(200);
    expect((await refresh(server, first.session.tokens.refreshToken)).status).toBe(401);
    expect((await me(server, second.accessToken)).status).toBe(200);
  });

  it('two refreshes racing with one token: at most one gets a pair, and then the family is dead (never a 5xx)', async () => {
    const { session } = await signUpPhone(server, 'racer');
    const results = await Promise.all([
      refresh(server, session.tokens.refreshToken),
      refresh(server, session.tokens.refreshToken),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    const winner = results.find((r) => r.status === 200)!;
    expect((await me(server, winner.body.accessToken)).status).toBe(401);
  });

  it("a reuse ends the family's open streams with sync:error session_revoked", async () => {
    const { session } = await signUpPhone(server, 'streamer');
    const thief = await refresh(server, session.tokens.refreshToken);
    const stream = await openSse(server.url, 'from=now', { authorization: `Bearer ${thief.body.accessToken}` });
    expect(await stream.next()).toMatchObject({ event: 'connected' });
    expect((await refresh(server, session.tokens.refreshToken)).status).toBe(401);
    expect(await stream.next()).toMatchObject({
      event: 'sync:error',
      data: { code: 'session_revoked', retryable: false },
      id: null,
    });
    await stream.ended();
  });

  it('a spent token is remembered by hash only, and forgotten once it would have expired', async () => {
    const { session } = await signUpPhone(server, 'sweeper');
    const next = await refresh(server, session.tokens.refreshToken);
    const { db } = server.server.deps;
    const spent = await db.spentRefreshToken.findUniqueOrThrow({
      where: { tokenHash: sha256Hex(session.tokens.refreshToken) },
    });
    expect(JSON.stringify(await db.spentRefreshToken.findMany())).not.toContain(session.tokens.refreshToken);
    await db.spentRefreshToken.update({
      where: { tokenHash: spent.tokenHash },
      data: { expiresAt: new Date(Date.now() - 1) },
    });
    expect((await refresh(server, next.body.refreshToken)).status).toBe(200);
    expect(await db.spentRefreshToken.count({ where: { tokenHash: spent.tokenHash } })).toBe(0);
  });
});

describe(`${REUSE_MIGRATION} migration (SQLite)`, () => {
  it('a session signed in before the upgrade refreshes after it, and a replay of its old token is then caught', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reuse-migration-'));
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'reuse-migration-scratch-'));
    try {
      const old = await databaseBeforeReuseMigration('sqlite', `file:${path.join(dataDir, 'symc.db')}`, scratch);
      const upgraded = await startTestServer({}, { dataDir });
      try {
        expect(upgraded.logs.join('\n')).toContain(REUSE_MIGRATION);
        const next = await refresh(upgraded, old.tokens.refreshToken);
        expect(next.status).toBe(200);
        expect((await me(upgraded, next.body.accessToken)).body).toMatchObject({
          userId: old.userId,
          deviceId: old.deviceId,
        });
        expect((await refresh(upgraded, old.tokens.refreshToken)).status).toBe(401);
        expect((await me(upgraded, next.body.accessToken)).status).toBe(401);
      } finally {
        await upgraded.stop();
      }
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });
});
