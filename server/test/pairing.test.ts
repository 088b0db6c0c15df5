import {
  encodePublicKey,
  generateBoxKeyPair,
  initCrypto,
  newCheckCode,
  randomBytes,
  randomId,
  sealJson,
  sealWithCheckCode,
  startDesktopPake,
  toBase64Url,
  utf8,
} from '../../common/crypto';
import { linkDesktopDirectly } from './support/desktop-fixture';
import { dbSnapshot, readDatabaseBytes } from './support/db-snapshot';
import { raw, signUpPhone } from './support/phone';
import { startTestServer, type TestServer } from './support/test-server';

let server: TestServer;
beforeAll(async () => {
  await initCrypto();
  server = await startTestServer({ PAIRING_WAIT_SECONDS: '2' });
});
afterAll(() => server.stop());

/** A desktop's first step, done by hand: an ephemeral key, a check code, its CPace share and a session. */
async function openSession() {
  const keyPair = generateBoxKeyPair();
  const checkCode = newCheckCode();
  const pake = startDesktopPake(checkCode);
  const res = await raw(server, 'POST', '/auth/qr/session', {
    body: {
      desktopPublicKey: encodePublicKey(keyPair.publicKey),
      deviceName: 'Work laptop',
      platform: 'linux',
      pake: { sid: pake.sid, share: pake.share },
    },
  });
  expect(res.status).toBe(201);
  return { keyPair, checkCode, pake, ...(res.body as { pairingId: string; pollToken: string; pairingCode: string }) };
}

const qrSecret = () => toBase64Url(randomBytes(16));

/** A QR-path approval (the server can't tell it from a real one: it can't open it). */
function approveBody(s: Awaited<ReturnType<typeof openSession>>) {
  const bundle = {
    v: 2,
    pairingId: s.pairingId,
    userId: randomId(),
    username: 'x',
    masterKey: toBase64Url(new Uint8Array(32)),
    qrSecret: qrSecret(),
  };
  return {
    pairingId: s.pairingId,
    decision: 'approve',
    handover: { method: 'qr', sealedBundle: sealJson(bundle, s.keyPair.publicKey) },
  };
}

describe('pairing sessions', () => {
  it('the phone sees who is asking, by id and by typed code', async () => {
    const phone = await signUpPhone(server, 'viewer');
    const s = await openSession();
    const byId = await phone.api.call('getPairingSession', { params: { pairingId: s.pairingId }, query: { v: '2' } });
    expect(byId).toMatchObject({
      deviceName: 'Work laptop',
      platform: 'linux',
      status: 'pending',
      pake: { sid: s.pake.sid, share: s.pake.share },
    });
    const byCode = await phone.api.call('findPairingByCode', {
      params: { pairingCode: s.pairingCode.toLowerCase() },
      query: { v: '2' },
    });
    expect(byCode.pairingId).toBe(s.pairingId);
    // Nothing the server returns holds the check code.
    expect(JSON.stringify([byId, byCode])).not.toContain(s.checkCode.replace(' ', ''));
  });

  it('protocol-1 clients are told, in words, which side to update (410)', async () => {
    const phone = await signUpPhone(server, 'oldphone');
    const s = await openSession();
    // An old phone asks without naming the protocol.
    const byId = await raw(server, 'GET', `/auth/qr/session/${s.pairingId}`, {
      token: phone.session.tokens.accessToken,
    });
    expect([byId.status, byId.body.error.code]).toEqual([410, 'gone']);
    expect(byId.body.error.message).toMatch(/pairing protocol 1.*update the Symc app on this phone/);
    const byCode = await raw(server, 'GET', `/auth/qr/code/${s.pairingCode}`, {
      token: phone.session.tokens.accessToken,
    });
    expect(byCode.status).toBe(410);
    // An old desktop opens a session without a CPace share.
    const before = dbSnapshot(server.dbFile);
    const old = await raw(server, 'POST', '/auth/qr/session', {
      body: { desktopPublicKey: encodePublicKey(generateBoxKeyPair().publicKey), deviceName: 'Old', platform: 'linux' },
    });
    expect([old.status, old.body.error.code]).toEqual([410, 'gone']);
    expect(old.body.error.message).toMatch(/update Symc on this computer/);
    expect(dbSnapshot(server.dbFile)).toEqual(before);
  });

  it('confirm before approval answers pending and hands out no tokens', async () => {
    const s = await openSession();
    const res = await raw(server, 'POST', '/auth/qr-confirm', {
      body: { pairingId: s.pairingId, pollToken: s.pollToken },
    });
    expect(res).toEqual({ status: 200, body: { status: 'pending' } });
  });

  it('approve → wait wakes → confirm hands over tokens once; a replayed confirm is refused with 410', async () => {
    const phone = await signUpPhone(server, 'approver');
    const s = await openSession();
    const waiting = raw(server, 'POST', '/auth/qr/wait', { body: { pairingId: s.pairingId, pollToken: s.pollToken } });
    const approved = await raw(server, 'POST', '/auth/qr-scan', {
      token: phone.session.tokens.accessToken,
      body: approveBody(s),
    });
    expect(approved).toEqual({ status: 200, body: { status: 'approved' } });
    // The wait hands the desktop the phone's hand-over to open before it confirms.
    expect((await waiting).body).toEqual({
      status: 'approved',
      handover: { method: 'qr', sealedBundle: expect.stringMatching(/^v1\./) },
    });
    const confirm = await raw(server, 'POST', '/auth/qr-confirm', {
      body: { pairingId: s.pairingId, pollToken: s.pollToken },
    });
    expect(confirm.status).toBe(200);
    expect(confirm.body).toMatchObject({ status: 'approved', userId: phone.session.userId });
    const replay = await raw(server, 'POST', '/auth/qr-confirm', {
      body: { pairingId: s.pairingId, pollToken: s.pollToken },
    });
    expect(replay.status).toBe(410);
    expect(replay.body.error.code).toBe('gone');
    // The sealed bundle is erased from the server once handed over.
    const row = await server.server.deps.db.pairingSession.findUnique({ where: { id: s.pairingId } });
    expect(row?.sealedBundle).toBeNull();
    expect(confirm.body).not.toHaveProperty('sealedBundle');
    const devices = await phone.api.call('listDevices', {});
    expect(devices.devices.map((d) => d.kind)).toEqual(['phone', 'desktop']);
  });

  it('a second approval is refused with 409', async () => {
    const phone = await signUpPhone(server, 'twice');
    const s = await openSession();
    await raw(server, 'POST', '/auth/qr-scan', { token: phone.session.tokens.accessToken, body: approveBody(s) });
    const before = dbSnapshot(server.dbFile);
    const again = await raw(server, 'POST', '/auth/qr-scan', {
      token: phone.session.tokens.accessToken,
      body: approveBody(s),
    });
    expect(again.status).toBe(409);
    expect(dbSnapshot(server.dbFile)).toEqual(before);
  });

  it('an expired session is refused with 410, for approval and for confirm', async () => {
    const phone = await signUpPhone(server, 'late');
    const s = await openSession();
    await server.server.deps.db.pairingSession.update({
      where: { id: s.pairingId },
      data: { expiresAt: new Date(Date.now() - 1) },
    });
    const before = dbSnapshot(server.dbFile);
    const scan = await raw(server, 'POST', '/auth/qr-scan', {
      token: phone.session.tokens.accessToken,
      body: approveBody(s),
    });
    expect(scan.status).toBe(410);
    expect(scan.body.error.message).toMatch(/expired/);
    const confirm = await raw(server, 'POST', '/auth/qr-confirm', {
      body: { pairingId: s.pairingId, pollToken: s.pollToken },
    });
    expect(confirm.status).toBe(410);
    expect(dbSnapshot(server.dbFile)).toEqual(before);
  });

  it('confirm or wait with a wrong poll token is refused with 403', async () => {
    const s = await openSession();
    const wrong = 'B'.repeat(43);
    expect(
      (await raw(server, 'POST', '/auth/qr-confirm', { body: { pairingId: s.pairingId, pollToken: wrong } })).status,
    ).toBe(403);
    expect(
      (await raw(server, 'POST', '/auth/qr/wait', { body: { pairingId: s.pairingId, pollToken: wrong } })).status,
    ).toBe(403);
  });

  it('a typed-code approval is stored blind; the desktop that can\'t open it rejects: no device, the phone sees "rejected", no second try', async () => {
    const phone = await signUpPhone(server, 'typo');
    const s = await openSession();
    const wrong = s.checkCode === '000 000' ? '111 111' : '000 000';
    const transcript = {
      pairingId: s.pairingId,
      desktopPublicKey: encodePublicKey(s.keyPair.publicKey),
      sid: s.pake.sid,
    };
    const sealed = sealWithCheckCode(wrong, transcript, s.pake.share, utf8.encode('{}'));
    const approve = await raw(server, 'POST', '/auth/qr-scan', {
      token: phone.session.tokens.accessToken,
      body: {
        pairingId: s.pairingId,
        decision: 'approve',
        handover: { method: 'code', phoneShare: sealed.phoneShare, sealedBundle: sealed.box },
      },
    });
    expect(approve.status).toBe(200);
    const wait = await raw(server, 'POST', '/auth/qr/wait', {
      body: { pairingId: s.pairingId, pollToken: s.pollToken, peek: true },
    });
    expect(wait.body).toEqual({
      status: 'approved',
      handover: { method: 'code', phoneShare: sealed.phoneShare, sealedBundle: sealed.box },
    });
    const devicesBefore = await phone.api.call('listDevices', {});

    const reject = await raw(server, 'POST', '/auth/qr/reject', {
      body: { pairingId: s.pairingId, pollToken: s.pollToken },
    });
    expect(reject).toEqual({ status: 200, body: { status: 'rejected' } });
    const info = await phone.api.call('getPairingSession', { params: { pairingId: s.pairingId }, query: { v: '2' } });
    expect(info.status).toBe('rejected');
    const row = await server.server.deps.db.pairingSession.findUnique({ where: { id: s.pairingId } });
    expect([row?.sealedBundle, row?.phoneShare]).toEqual([null, null]);
    expect((await phone.api.call('listDevices', {})).devices).toEqual(devicesBefore.devices);
    // One answer per session: neither a second approval nor a confirm revives it.
    const again = await raw(server, 'POST', '/auth/qr-scan', {
      token: phone.session.tokens.accessToken,
      body: approveBody(s),
    });
    expect(again.status).toBe(410);
    expect(again.body.error.message).toMatch(/check code did not match/);
    expect(
      (await raw(server, 'POST', '/auth/qr-confirm', { body: { pairingId: s.pairingId, pollToken: s.pollToken } }))
        .status,
    ).toBe(410);
  });

  it('reject needs the poll token and an answer to reject', async () => {
    const s = await openSession();
    expect(
      (await raw(server, 'POST', '/auth/qr/reject', { body: { pairingId: s.pairingId, pollToken: 'B'.repeat(43) } }))
        .status,
    ).toBe(403);
    const early = await raw(server, 'POST', '/auth/qr/reject', {
      body: { pairingId: s.pairingId, pollToken: s.pollToken },
    });
    expect([early.status, early.body.error.code]).toEqual([409, 'conflict']);
  });

  it('an approval must carry a well-formed hand-over (400), and the old check-code body is refused', async () => {
    const phone = await signUpPhone(server, 'shapes');
    const s = await openSession();
    const before = dbSnapshot(server.dbFile);
    for (const body of [
      {
        pairingId: s.pairingId,
        decision: 'approve',
        checkCode: '123 456',
        sealedBundle: approveBody(s).handover.sealedBundle,
      },
      {
        pairingId: s.pairingId,
        decision: 'approve',
        handover: { method: 'code', phoneShare: 'short', sealedBundle: 'p2.x.y' },
      },
      { pairingId: s.pairingId, decision: 'approve', handover: { method: 'qr', sealedBundle: 'p2.nope' } },
    ]) {
      const res = await raw(server, 'POST', '/auth/qr-scan', { token: phone.session.tokens.accessToken, body });
      expect([res.status, res.body.error.code]).toEqual([400, 'validation_failed']);
    }
    expect(dbSnapshot(server.dbFile)).toEqual(before);
  });

  it('a desktop cannot approve (403), and neither can a revoked device (403 device_revoked)', async () => {
    const phone = await signUpPhone(server, 'owner');
    const desktop = await linkDesktopDirectly(server, phone.session.userId);
    const s = await openSession();
    const byDesktop = await raw(server, 'POST', '/auth/qr-scan', { token: desktop.accessToken, body: approveBody(s) });
    expect([byDesktop.status, byDesktop.body.error.code]).toEqual([403, 'forbidden']);
    const second = await signUpPhone(server, 'revoked');
    await second.api.call('revokeDevice', { params: { deviceId: second.session.deviceId } });
    const byRevoked = await raw(server, 'POST', '/auth/qr-scan', {
      token: second.session.tokens.accessToken,
      body: approveBody(s),
    });
    expect([byRevoked.status, byRevoked.body.error.code]).toEqual([403, 'device_revoked']);
    const info = await phone.api.call('getPairingSession', { params: { pairingId: s.pairingId }, query: { v: '2' } });
    expect(info.status).toBe('pending');
  });

  it('the device cap applies to pairing (409 device_limit)', async () => {
    const capped = await startTestServer({ MAX_LINKED_DEVICES: '1' });
    try {
      const phone = await signUpPhone(capped, 'full');
      const keyPair = generateBoxKeyPair();
      const pake = startDesktopPake(newCheckCode());
      const session = await capped.client().call('createPairingSession', {
        body: {
          desktopPublicKey: encodePublicKey(keyPair.publicKey),
          deviceName: 'x',
          platform: 'macos',
          pake: { sid: pake.sid, share: pake.share },
        },
      });
      await expect(
        phone.api.call('scanPairing', {
          body: {
            pairingId: session.pairingId,
            decision: 'approve',
            handover: { method: 'qr', sealedBundle: sealJson({ v: 2 }, keyPair.publicKey) },
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
    const waiting = raw(server, 'POST', '/auth/qr/wait', {
      body: { pairingId: s.pairingId, pollToken: s.pollToken },
    }).then((res) => {
      settled = true;
      return res;
    });
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
    const bundle = {
      v: 2,
      pairingId: s.pairingId,
      userId: phone.session.userId,
      username: phone.session.username,
      masterKey: toBase64Url(phone.session.masterKey),
    };
    const transcript = {
      pairingId: s.pairingId,
      desktopPublicKey: encodePublicKey(s.keyPair.publicKey),
      sid: s.pake.sid,
    };
    const sealed = sealWithCheckCode(s.checkCode, transcript, s.pake.share, utf8.encode(JSON.stringify(bundle)));
    await raw(server, 'POST', '/auth/qr-scan', {
      token: phone.session.tokens.accessToken,
      body: {
        pairingId: s.pairingId,
        decision: 'approve',
        handover: { method: 'code', phoneShare: sealed.phoneShare, sealedBundle: sealed.box },
      },
    });
    await raw(server, 'POST', '/auth/qr-confirm', { body: { pairingId: s.pairingId, pollToken: s.pollToken } });
    await server.server.deps.db.$queryRawUnsafe('PRAGMA wal_checkpoint(FULL)');
    const haystack = Buffer.concat([readDatabaseBytes(server.dbFile), Buffer.from(server.logs.join('\n'))]);
    for (const needle of [
      toBase64Url(phone.session.masterKey),
      Buffer.from(phone.session.masterKey).toString('hex'),
      s.pollToken,
    ]) {
      expect(haystack.includes(Buffer.from(needle))).toBe(false);
    }
    expect(haystack.includes(Buffer.from(phone.session.masterKey))).toBe(false);
  });
});
