import { PAIRING_PROTOCOL } from '../../common/contract';
import { encodePublicKey, generateBoxKeyPair, initCrypto, newCheckCode, startDesktopPake } from '../../common/crypto';

/** A protocol-2 desktop's CPace share, as every new session carries one. */
function pake(): { sid: string; share: string } {
  const { sid, share } = startDesktopPake(newCheckCode());
  return { sid, share };
}
import { dbSnapshot } from './support/db-snapshot';
import { linkDesktopDirectly } from './support/desktop-fixture';
import { raw, signUpPhone } from './support/phone';
import { registerBody } from './support/register-body';
import { startTestServer, type TestServer } from './support/test-server';

let server: TestServer;
beforeAll(async () => {
  await initCrypto();
  server = await startTestServer();
});
afterAll(() => server.stop());

const RLO = '\u202E';
const ZWSP = '\u200B';

describe('device names', () => {
  it.each([
    ['NUL', 'Phone\u0000x'],
    ['a newline', 'Phone\nPhone'],
    ['ESC (a terminal escape)', 'Phone\u001b[2J'],
    ['DEL', 'Phone\u007f'],
    ['a C1 control', 'Phone\u0085'],
  ])('a name with %s is refused with 400 at sign-up and pairing, nothing stored', async (_label, name) => {
    const before = dbSnapshot(server.dbFile);
    const register = await raw(server, 'POST', '/auth/register', { body: registerBody('ctl_name', name) });
    expect(register.status).toBe(400);
    expect(register.body.error).toMatchObject({
      code: 'validation_failed',
      message: expect.stringMatching(/control characters/),
    });
    const pairing = await raw(server, 'POST', '/auth/qr/session', {
      body: {
        desktopPublicKey: encodePublicKey(generateBoxKeyPair().publicKey),
        deviceName: name,
        platform: 'linux',
        pake: pake(),
      },
    });
    expect(pairing.status).toBe(400);
    expect(dbSnapshot(server.dbFile)).toEqual(before);
  });

  it('bidi overrides and zero-width characters are dropped before the name is stored and shown at approval', async () => {
    const phone = await signUpPhone(server, 'approver');
    const res = await raw(server, 'POST', '/auth/qr/session', {
      body: {
        desktopPublicKey: encodePublicKey(generateBoxKeyPair().publicKey),
        deviceName: `Work${ZWSP} ${RLO}potpal`,
        platform: 'linux',
        pake: pake(),
      },
    });
    expect(res.status).toBe(201);
    const info = await phone.api.call('getPairingSession', {
      params: { pairingId: res.body.pairingId },
      query: { v: String(PAIRING_PROTOCOL) },
    });
    expect(info.deviceName).toBe('Work potpal');
    const stored = await server.server.deps.db.pairingSession.findUniqueOrThrow({ where: { id: res.body.pairingId } });
    expect(stored.deviceName).toBe('Work potpal');
  });

  it('a name of only invisible characters is refused (it would show as nothing)', async () => {
    const res = await raw(server, 'POST', '/auth/register', { body: registerBody('blank_name', `${ZWSP}${RLO} `) });
    expect(res.status).toBe(400);
  });

  it('a row stored before these rules still lists, neutralised on the phone (which must be able to unlink it)', async () => {
    const phone = await signUpPhone(server, 'oldrows');
    const desktop = await linkDesktopDirectly(server, phone.session.userId);
    await server.server.deps.db.device.update({
      where: { id: desktop.deviceId },
      data: { name: `Old\u0007 ${RLO}name` },
    });
    const { devices } = await phone.api.call('listDevices', {});
    expect(devices.find((d) => d.deviceId === desktop.deviceId)?.name).toBe('Old\uFFFD name');
    await phone.api.call('revokeDevice', { params: { deviceId: desktop.deviceId } });
  });
});
