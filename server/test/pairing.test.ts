import { encodePublicKey, generateBoxKeyPair, checkCodeFor, initCrypto, sealJson, toBase64Url, randomId } from '../../common/crypto';
import { linkDesktopDirectly } from './support/desktop-fixture';
import { dbSnapshot, readDatabaseBytes } from './support/db-snapshot';
import { raw, signUpPhone } from './support/phone';
import { startTestServer, type TestServer } from './support/test-server';

let server: TestServer;
beforeAll(async () => {
  await initCrypto();
  server = await startTestServer({ PAIRING_MAX_CHECK_ATTEMPTS: '3', PAIRING_WAIT_SECONDS: '2' });
});
afterAll(() => server.stop());

/** A desktop's first step, done by hand: an ephemeral key and a pairing session. */
async function openSession() {
  const keyPair = generateBoxKeyPair();
  const res = await raw(server, 'POST', '/auth/qr/session', {
    body: { desktopPublicKey: encodePublicKey(keyPair.publicKey), deviceName: 'Work laptop', platform: 'linux' },
  });
  expect(res.status).toBe(201);
  return { keyPair, checkCode: checkCodeFor(keyPair.publicKey), ...(res.body as { pairingId: string; pollToken: string; pairingCode: string }) };
}

function approveBody(s: Awaited<ReturnType<typeof openSession>>, checkCode = s.checkCode) {
  return {
    pairingId: s.pairingId,
    decision: 'approve',
    checkCode,
    sealedBundle: sealJson({ v: 1, userId: randomId(), username: 'x', masterKey: toBase64Url(new Uint8Array(32)) }, s.keyPair.publicKey),
  };
}

describe('pairing sessions', () => {
  it('the phone sees who is asking, by id and by typed code', async () => {
    const phone = await signUpPhone(server, 'viewer');
    const s = await openSession();
    const byId = await phone.api.call('getPairingSession', { params: { pairingId: s.pairingId } });
    expect(byId).toMatchObject({ deviceName: 'Work laptop', platform: 'linux', status: 'pending' });
    const byCode = await phone.api.call('findPairingByCode', { params: { pairingCode: s.pairingCode.toLowerCase() } });
    expect(byCode.pairingId).toBe(s.pairingId);
  });

  it('confirm before approval answers pending and hands out no tokens', async () => {
    const s = await openSession();
    const res = await raw(server, 'POST', '/auth/qr-confirm', { body: { pairingId: s.pairingId, pollToken: s.pollToken } });
    expect(res).toEqual({ status: 200, body: { status: 'pending' } });
  });

  it('approve → wait wakes → confirm hands over tokens once; a replayed confirm is refused with 410', async () => {
    const phone = await signUpPhone(server, 'approver');
    const s = await openSession();
    const waiting = raw(server, 'POST', '/auth/qr/wait', { body: { pairingId: s.pairingId, pollToken: s.pollToken } });
    const approved = await raw(server, 'POST', '/auth/qr-scan', { token: phone.session.tokens.accessToken, body: approveBody(s) });
    expect(approved).toEqual({ status: 200, body: { status: 'approved' } });
    expect((await waiting).body).toEqual({ status: 'approved' });
    const confirm = await raw(server, 'POST', '/auth/qr-confirm', { body: { pairingId: s.pairingId, pollToken: s.pollToken } });
    expect(confirm.status).toBe(200);
    expect(confirm.body).toMatchObject({ status: 'approved', userId: phone.session.userId });
    const replay = await raw(server, 'POST', '/auth/qr-confirm', { body: { pairingId: s.pairingId, pollToken: s.pollToken } });
    expect(replay.status).toBe(410);
    expect(replay.body.error.code).toBe('gone');
    // The sealed bundle is erased from the server once handed over.
    const row = await server.server.deps.db.pairingSession.findUnique({ where: { id: s.pairingId } });
    expect(row?.sealedBundle).toBeNull();
    const devices = await phone.api.call('listDevices', {});
    expect(devices.devices.map((d) => d.kind)).toEqual(['phone', 'desktop']);
  });

  it('a second approval is refused with 409', async () => {
    const phone = await signUpPhone(server, 'twice');
    const s = await openSession();
    await raw(server, 'POST', '/auth/qr-scan', { token: phone.session.tokens.accessToken, body: approveBody(s) });
    const before = dbSnapshot(server.dbFile);
    const again = await raw(server, 'POST', '/auth/qr-scan', { token: phone.session.tokens.accessToken, body: approveBody(s) });
    expect(again.status).toBe(409);
    expect(dbSnapshot(server.dbFile)).toEqual(before);
  });

  it('an expired session is refused with 410, for approval and for confirm', async () => {
    const phone = await signUpPhone(server, 'late');
    const s = await openSession();
    await server.server.deps.db.pairingSession.update({ where: { id: s.pairingId }, data: { expiresAt: new Date(Date.now() - 1) } });
    const before = dbSnapshot(server.dbFile);
    const scan = await raw(server, 'POST', '/auth/qr-scan', { token: phone.session.tokens.accessToken, body: approveBody(s) });
    expect(scan.status).toBe(410);
    expect(scan.body.error.message).toMatch(/expired/);
    const confirm = await raw(server, 'POST', '/auth/qr-confirm', { body: { pairingId: s.pairingId, pollToken: s.pollToken } });
    expect(confirm.status).toBe(410);
    expect(dbSnapshot(server.dbFile)).toEqual(before);
  });

  it('confirm or wait with a wrong poll token is refused with 403', async () => {
    const s = await openSession();
    const wrong = 'B'.repeat(43);
    expect((await raw(server, 'POST', '/auth/qr-confirm', { body: { pairingId: s.pairingId, pollToken: wrong } })).status).toBe(403);
    expect((await raw(server, 'POST', '/auth/qr/wait', { body: { pairingId: s.pairingId, pollToken: wrong } })).status).toBe(403);
  });

  it('wrong check codes are refused with 403 and cancel the session after the allowed attempts', async () => {
    const phone = await signUpPhone(server, 'guesser');
    const s = await openSession();
    const wrong = s.checkCode === '000 000' ? '111 111' : '000 000';
    const answers = [];
    for (let i = 0; i < 3; i++) {
      answers.push(await raw(server, 'POST', '/auth/qr-scan', { token: phone.session.tokens.accessToken, body: approveBody(s, wrong) }));
    }
    expect(answers.map((a) => [a.status, a.body.error.code])).toEqual([
      [403, 'check_code_mismatch'],
      [403, 'check_code_mismatch'],
      [403, 'check_code_mismatch'],
    ]);
    expect(answers[2]?.body.error.message).toMatch(/cancelled/);
    // Even the right code can't revive it.
    const right = await raw(server, 'POST', '/auth/qr-scan', { token: phone.session.tokens.accessToken, body: approveBody(s) });
    expect(right.status).toBe(410);
    const wait = await raw(server, 'POST', '/auth/qr/wait', { body: { pairingId: s.pairingId, pollToken: s.pollToken } });
    expect(wait.body).toEqual({ status: 'cancelled' });
  });

  it('a desktop cannot approve (403), and neither can a revoked device (403 device_revoked)', async () => {
    const phone = await signUpPhone(server, 'owner');
    const desktop = await linkDesktopDirectly(server, phone.session.userId);
    const s = await openSession();
    const byDesktop = await raw(server, 'POST', '/auth/qr-scan', { token: desktop.accessToken, body: approveBody(s) });
    expect([byDesktop.status, byDesktop.body.error.code]).toEqual([403, 'forbidden']);
    const second = await signUpPhone(server, 'revoked');
    await second.api.call('revokeDevice', { params: { deviceId: second.session.deviceId } });
    const byRevoked = await raw(server, 'POST', '/auth/qr-scan', { token: second.session.tokens.accessToken, body: approveBody(s) });
    expect([byRevoked.status, byRevoked.body.error.code]).toEqual([403, 'device_revoked']);
    const info = await phone.api.call('getPairingSession', { params: { pairingId: s.pairingId } });
    expect(info.status).toBe('pending');
  });

  it('the device cap applies to pairing (409 device_limit)', async () => {
    const capped = await startTestServer({ MAX_LINKED_DEVICES: '1' });
    try {
      const phone = await signUpPhone(capped, 'full');
      const keyPair = generateBoxKeyPair();
      const session = await capped.client().call('createPairingSession', {
        body: { desktopPublicKey: encodePublicKey(keyPair.publicKey), deviceName: 'x', platform: 'macos' },
      });
      await expect(
        phone.api.call('scanPairing', {
          body: {
            pairingId: session.pairingId,
            decision: 'approve',
            checkCode: checkCodeFor(keyPair.publicKey),
            sealedBundle: sealJson({ v: 1 }, keyPair.publicKey),
          },
        }),
      ).rejects.toMatchObject({ status: 409, code: 'device_limit' });
    } finally {
      await capped.stop();
    }
  });

  it('the wait is held open (no busy polling) until a deny wakes it with "denied"', async () => {
    const phone = await signUpPhone(server, 'denier');
    const s = await openSession();
    let settled = false;
    const waiting = raw(server, 'POST', '/auth/qr/wait', { body: { pairingId: s.pairingId, pollToken: s.pollToken } }).then(
      (res) => {
        settled = true;
        return res;
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(settled).toBe(false);
    await phone.api.call('scanPairing', { body: { pairingId: s.pairingId, decision: 'deny' } });
    expect((await waiting).body).toEqual({ status: 'denied' });
  });

  it('bad pairing bodies are refused with 400 and store nothing', async () => {
    const before = dbSnapshot(server.dbFile);
    for (const body of [
      { desktopPublicKey: 'short', deviceName: 'x', platform: 'linux' },
      { desktopPublicKey: 'A'.repeat(43), deviceName: '', platform: 'linux' },
      { desktopPublicKey: 'A'.repeat(43), deviceName: 'x', platform: 'ios' },
    ]) {
      expect((await raw(server, 'POST', '/auth/qr/session', { body })).status).toBe(400);
    }
    expect(dbSnapshot(server.dbFile)).toEqual(before);
  });

  it('the master key never reaches the server in plaintext', async () => {
    const phone = await signUpPhone(server, 'canarypair');
    const s = await openSession();
    const bundle = { v: 1, userId: phone.session.userId, username: phone.session.username, masterKey: toBase64Url(phone.session.masterKey) };
    await raw(server, 'POST', '/auth/qr-scan', {
      token: phone.session.tokens.accessToken,
      body: { pairingId: s.pairingId, decision: 'approve', checkCode: s.checkCode, sealedBundle: sealJson(bundle, s.keyPair.publicKey) },
    });
    await raw(server, 'POST', '/auth/qr-confirm', { body: { pairingId: s.pairingId, pollToken: s.pollToken } });
    await server.server.deps.db.$queryRawUnsafe('PRAGMA wal_checkpoint(FULL)');
    const haystack = Buffer.concat([readDatabaseBytes(server.dbFile), Buffer.from(server.logs.join('\n'))]);
    for (const needle of [toBase64Url(phone.session.masterKey), Buffer.from(phone.session.masterKey).toString('hex'), s.pollToken]) {
      expect(haystack.includes(Buffer.from(needle))).toBe(false);
    }
    expect(haystack.includes(Buffer.from(phone.session.masterKey))).toBe(false);
  });
});
