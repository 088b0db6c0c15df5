import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  decodePublicKey,
  type Envelope,
  initCrypto,
  sealJson,
  toBase64Url,
  unwrapIdentitySecretKey,
} from '../common/crypto';
import { FileKeyVault } from '../desktop/src/core/keys/file-key-vault';
import { DesktopPairing } from '../desktop/src/core/pairing/desktop-pairing';
import type { PairingState } from '../desktop/src/core/pairing/pairing-state';
import { DeviceSession } from '../desktop/src/core/session/device-session';
import {
  approvePairing,
  awaitPairingOutcome,
  listLinkedDevices,
  lookupPairing,
  needsCheckCode,
  parsePairingInput,
  unlinkDevice,
} from '../mobile-pairing/src/core/pairing';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';

/** Resolves with the first state the desktop publishes that matches (and passes `also`). */
function whenState<K extends PairingState['kind']>(
  pairing: DesktopPairing,
  kind: K,
  also: (state: Extract<PairingState, { kind: K }>) => boolean = () => true,
): Promise<Extract<PairingState, { kind: K }>> {
  return new Promise((resolve) => {
    const off = pairing.subscribe((state) => {
      if (state.kind === kind && also(state as Extract<PairingState, { kind: K }>)) {
        queueMicrotask(() => off());
        resolve(state as Extract<PairingState, { kind: K }>);
      }
    });
  });
}

describe('QR pairing, end to end over the real HTTP API', () => {
  let server: TestServer;
  let vaultDir: string;
  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
  });
  afterAll(() => server.stop());
  beforeEach(() => {
    vaultDir = mkdtempSync(path.join(os.tmpdir(), 'symc-vault-'));
  });
  afterEach(() => rmSync(vaultDir, { recursive: true, force: true }));

  it('desktop shows a QR, the phone scans and approves (no code to type), the desktop ends with tokens and the master key; unlinking wipes it', async () => {
    const phone = await signUpPhone(server, 'e2ephone');
    const vault = new FileKeyVault(vaultDir);
    const pairing = new DesktopPairing({ serverUrl: server.url, vault, deviceName: 'Office PC', platform: 'windows' });
    const showing = whenState(pairing, 'showing');
    const done = pairing.start();

    // What the user sees on the desktop: the QR (its link), the pairing code and the check code.
    const screen = await showing;
    expect(screen.link).toMatch(/^symc:\/\/pair\?v=2&id=.*&t=[A-Za-z0-9_-]{22}$/);
    expect(screen.qrSvg).toContain('<svg');
    expect(screen.checkCode).toMatch(/^\d{3} \d{3}$/);

    // The phone scans the link, shows who is asking; the scan itself authenticates the desktop.
    const pending = await lookupPairing(phone.api, parsePairingInput(screen.link));
    expect(pending.info).toMatchObject({ deviceName: 'Office PC', platform: 'windows', status: 'pending' });
    expect(needsCheckCode(pending)).toBe(false);
    await approvePairing(phone.api, phone.session, pending);
    expect(await awaitPairingOutcome(phone.api, pending)).toBe('linked');

    const final = await done;
    expect(final).toMatchObject({ kind: 'paired', userId: phone.session.userId, username: phone.session.username });

    // The desktop holds the phone's master key and working tokens.
    const session = await DeviceSession.restore(vault);
    expect(session).not.toBeNull();
    expect(Buffer.from(session!.masterKey).equals(Buffer.from(phone.session.masterKey))).toBe(true);
    expect((await session!.call('me', {})).deviceId).toBe(session!.deviceId);
    expect(readdirSync(vaultDir).sort()).toEqual(['credentials.key', 'master-key.key']);
    // …and the account's identity key pair, handed over with the confirm: its secret half opens with
    // that master key only (the desktop needs it for chats shared with it by sealed key).
    const identity = session!.storedIdentity!;
    expect(identity.publicKey).toBe(toBase64Url(phone.session.identity.publicKey));
    const secret = unwrapIdentitySecretKey(
      identity.wrappedSecretKey as Envelope,
      session!.masterKey,
      phone.session.userId,
    );
    expect(Buffer.from(secret).equals(Buffer.from(phone.session.identity.secretKey))).toBe(true);

    // The account's change log says so, for its other devices' streams (a phone's Devices list).
    const linked = await server.server.deps.db.changeLog.findMany({
      where: { userId: phone.session.userId, kind: 'device:linked' },
    });
    expect(linked.map((c) => c.entityId)).toEqual([session!.deviceId]);

    // The phone lists and unlinks the desktop; the desktop's next request is refused and it wipes itself.
    const devices = await listLinkedDevices(phone.api);
    const desktopRow = devices.find((d) => d.kind === 'desktop');
    expect(desktopRow).toMatchObject({ name: 'Office PC', platform: 'windows', deviceId: session!.deviceId });
    await unlinkDevice(phone.api, desktopRow!.deviceId);
    const events: string[] = [];
    session!.onEvent((e) => events.push(e.type));
    await expect(session!.call('listChats', {})).rejects.toMatchObject({ status: 403, code: 'device_revoked' });
    expect(events).toEqual(['revoked']);
    expect(readdirSync(vaultDir)).toEqual([]);
    expect(await DeviceSession.restore(vault)).toBeNull();
  });

  it('an expired access token is refreshed transparently and the rotated tokens are persisted', async () => {
    const phone = await signUpPhone(server, 'e2erefresh');
    const vault = new FileKeyVault(vaultDir);
    const pairing = new DesktopPairing({ serverUrl: server.url, vault, deviceName: 'Laptop', platform: 'linux' });
    const showing = whenState(pairing, 'showing');
    const done = pairing.start();
    const screen = await showing;
    await approvePairing(phone.api, phone.session, await lookupPairing(phone.api, parsePairingInput(screen.link)));
    await done;
    const session = (await DeviceSession.restore(vault))!;
    const oldToken = session.accessToken;
    await server.server.deps.db.session.updateMany({
      where: { deviceId: session.deviceId },
      data: { accessExpiresAt: new Date(Date.now() - 1000) },
    });
    expect((await session.call('me', {})).deviceId).toBe(session.deviceId);
    expect(session.accessToken).not.toBe(oldToken);
    expect((await DeviceSession.restore(vault))!.accessToken).toBe(session.accessToken);
  });

  it('without a camera: the phone types the pairing code and the check code; the desktop opens the CPace hand-over and links', async () => {
    const phone = await signUpPhone(server, 'e2etyped');
    const vault = new FileKeyVault(vaultDir);
    const pairing = new DesktopPairing({ serverUrl: server.url, vault, deviceName: 'Den PC', platform: 'linux' });
    const showing = whenState(pairing, 'showing');
    const done = pairing.start();
    const screen = await showing;
    const pending = await lookupPairing(phone.api, parsePairingInput(screen.pairingCode.toLowerCase()));
    expect(needsCheckCode(pending)).toBe(true);
    expect(pending.info).toMatchObject({ deviceName: 'Den PC', status: 'pending' });
    await approvePairing(phone.api, phone.session, pending, screen.checkCode.replace(' ', '-'));
    expect(await done).toMatchObject({ kind: 'paired', userId: phone.session.userId });
    expect(await awaitPairingOutcome(phone.api, pending)).toBe('linked');
    const session = (await DeviceSession.restore(vault))!;
    expect(Buffer.from(session.masterKey).equals(Buffer.from(phone.session.masterKey))).toBe(true);
  });

  it("a mistyped check code: the desktop can't open the hand-over, says so with a new QR and codes, and the right code then links", async () => {
    const phone = await signUpPhone(server, 'e2etypo');
    const vault = new FileKeyVault(vaultDir);
    const pairing = new DesktopPairing({ serverUrl: server.url, vault, deviceName: 'Den PC', platform: 'linux' });
    const first = whenState(pairing, 'showing');
    const retried = whenState(pairing, 'showing', (s) => s.notice !== undefined);
    const done = pairing.start();
    const screen = await first;
    const pending = await lookupPairing(phone.api, parsePairingInput(screen.pairingCode));
    const wrong = screen.checkCode === '000 000' ? '000 001' : '000 000';
    await approvePairing(phone.api, phone.session, pending, wrong);
    expect(await awaitPairingOutcome(phone.api, pending)).toBe('rejected');

    const again = await retried;
    expect(again.notice).toMatch(/didn’t match/);
    expect(again.pairingCode).not.toBe(screen.pairingCode);
    expect(readdirSync(vaultDir)).toEqual([]);
    expect((await listLinkedDevices(phone.api)).map((d) => d.kind)).toEqual(['phone']);
    await approvePairing(
      phone.api,
      phone.session,
      await lookupPairing(phone.api, parsePairingInput(again.pairingCode)),
      again.checkCode,
    );
    expect(await done).toMatchObject({ kind: 'paired' });
  });

  it("after three hand-overs that don't open, the desktop stops and offers retry; nothing is stored and no device exists", async () => {
    const phone = await signUpPhone(server, 'e2eguess');
    const vault = new FileKeyVault(vaultDir);
    const pairing = new DesktopPairing({ serverUrl: server.url, vault, deviceName: 'Laptop', platform: 'linux' });
    pairing.subscribe((state) => {
      if (state.kind !== 'showing') return;
      const wrong = state.checkCode === '999 999' ? '999 998' : '999 999';
      void lookupPairing(phone.api, parsePairingInput(state.pairingCode)).then((pending) =>
        approvePairing(phone.api, phone.session, pending, wrong),
      );
    });
    const final = await pairing.start();
    expect(final).toMatchObject({ kind: 'failed', code: 'code_mismatch' });
    expect((final as { message: string }).message).toMatch(/didn’t match 3 times/);
    expect(readdirSync(vaultDir)).toEqual([]);
    expect((await listLinkedDevices(phone.api)).map((d) => d.kind)).toEqual(['phone']);
  });

  it('when the sealed bundle was tampered with, the desktop rejects it: nothing stored, no device, the phone is told', async () => {
    const phone = await signUpPhone(server, 'e2etamper');
    const vault = new FileKeyVault(vaultDir);
    const pairing = new DesktopPairing({
      serverUrl: server.url,
      vault,
      deviceName: 'Laptop',
      platform: 'linux',
      maxMismatches: 1,
    });
    const showing = whenState(pairing, 'showing');
    const done = pairing.start();
    const screen = await showing;
    const pending = await lookupPairing(phone.api, parsePairingInput(screen.link));
    if (pending.via !== 'link') throw new Error('expected the QR path');
    // The bundle arrives with one byte flipped (a compromised server or a corrupted hand-over).
    const bundle = {
      v: 2,
      pairingId: pending.info.pairingId,
      userId: phone.session.userId,
      username: phone.session.username,
      masterKey: toBase64Url(phone.session.masterKey),
      qrSecret: pending.link.qrSecret,
    };
    const sealed = Buffer.from(sealJson(bundle, decodePublicKey(pending.link.desktopPublicKey)).slice(3), 'base64url');
    sealed[40] = (sealed[40] ?? 0) ^ 0x01;
    await phone.api.call('scanPairing', {
      body: {
        pairingId: pending.info.pairingId,
        decision: 'approve',
        handover: { method: 'qr', sealedBundle: `v1.${sealed.toString('base64url')}` },
      },
    });

    const final = await done;
    expect(final).toMatchObject({ kind: 'failed', code: 'code_mismatch' });
    expect(readdirSync(vaultDir)).toEqual([]);
    // The desktop never confirmed: no device was created for the failed hand-over.
    expect((await listLinkedDevices(phone.api)).map((d) => d.kind)).toEqual(['phone']);
    expect(await awaitPairingOutcome(phone.api, pending)).toBe('rejected');
  });

  it('the QR rotates with a new key and session, then offers retry', async () => {
    const vault = new FileKeyVault(vaultDir);
    const pairing = new DesktopPairing({
      serverUrl: server.url,
      vault,
      deviceName: 'Laptop',
      platform: 'macos',
      rotateEveryMs: 300,
      maxRotations: 3,
    });
    const shown: Array<Extract<PairingState, { kind: 'showing' }>> = [];
    pairing.subscribe((s) => {
      if (s.kind === 'showing') shown.push(s);
    });
    const final = await pairing.start();
    expect(final).toEqual({ kind: 'timed-out' });
    expect(shown.map((s) => [s.rotation, s.rotationsLeft])).toEqual([
      [1, 2],
      [2, 1],
      [3, 0],
    ]);
    expect(new Set(shown.map((s) => s.link)).size).toBe(3);
    expect(new Set(shown.map((s) => s.checkCode)).size).toBeGreaterThan(1);
  });

  it('when the server is unreachable, pairing fails with a readable message', async () => {
    const pairing = new DesktopPairing({
      serverUrl: 'http://127.0.0.1:9',
      vault: new FileKeyVault(vaultDir),
      deviceName: 'x',
      platform: 'linux',
    });
    const final = await pairing.start();
    expect(final).toMatchObject({ kind: 'failed', code: 'network' });
    expect((final as { message: string }).message).toMatch(/Cannot reach the server/);
  });
});
