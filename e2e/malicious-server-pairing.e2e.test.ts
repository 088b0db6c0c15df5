import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// Only to recompute protocol 1's check code (BLAKE2b); everything else goes through common/crypto.
import { api, createApiClient, type ApiClient, type PairingHandover } from '../common/contract';
import {
  keyedHash,
  type BoxKeyPair,
  decodePublicKey,
  encodePublicKey,
  generateBoxKeyPair,
  generateMasterKey,
  initCrypto,
  openSealedJson,
  openWithCheckCode,
  randomBytes,
  randomId,
  sealJson,
  sealWithCheckCode,
  startDesktopPake,
  toBase64Url,
  utf8,
} from '../common/crypto';
import { FileKeyVault } from '../desktop/src/core/keys/file-key-vault';
import { DesktopPairing } from '../desktop/src/core/pairing/desktop-pairing';
import type { PairingState } from '../desktop/src/core/pairing/pairing-state';
import type { PhoneSession } from '../mobile-pairing/src/core/account';
import {
  approvePairing,
  awaitPairingOutcome,
  lookupPairing,
  parsePairingInput,
} from '../mobile-pairing/src/core/pairing';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { LyingServer } from './support/lying-server';

/**
 * Pairing against a malicious server: every answer the clients get passes through LyingServer, which
 * rewrites what a compromised deployment would. Each test is a claim of docs/THREAT-MODEL.md "Pairing".
 */

type Showing = Extract<PairingState, { kind: 'showing' }>;

/** Protocol 1's check code: a function of the desktop's public key alone (kept here only to show the flaw). */
function protocol1CheckCode(publicKey: Uint8Array): string {
  // Protocol 1's construction: BLAKE2b-64 of the key, keyed "symc-check-code", mod 10^6.
  const digest = Buffer.from(keyedHash(publicKey, utf8.encode('symc-check-code'), 8));
  const digits = (digest.readBigUInt64BE(0) % 1_000_000n).toString().padStart(6, '0');
  return `${digits.slice(0, 3)} ${digits.slice(3)}`;
}

function nextShowing(pairing: DesktopPairing, also: (s: Showing) => boolean = () => true): Promise<Showing> {
  return new Promise((resolve) => {
    const off = pairing.subscribe((state) => {
      if (state.kind === 'showing' && also(state)) {
        queueMicrotask(() => off());
        resolve(state);
      }
    });
  });
}

describe('pairing through a server that lies', () => {
  let server: TestServer;
  let liar: LyingServer;
  let dir: string;
  let phone: { session: PhoneSession; viaLiar: ApiClient };
  let undoOrigin: () => void;

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer({ PAIRING_WAIT_SECONDS: '1' });
    liar = await new LyingServer(server.url).start();
    // The links the desktop shows name the server the clients talk to: the liar.
    undoOrigin = liar.rewriteJson(api.createPairingSession, (body) => ({
      ...(body as object),
      serverOrigin: liar.url,
    }));
    const signedUp = await signUpPhone(server, 'victim');
    phone = {
      session: signedUp.session,
      viaLiar: createApiClient({ baseUrl: liar.url, accessToken: () => signedUp.session.tokens.accessToken }),
    };
  });
  afterAll(async () => {
    undoOrigin();
    await liar.stop();
    await server.stop();
  });
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-liar-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const desktop = (options: { maxMismatches?: number } = {}) => {
    const vault = new FileKeyVault(path.join(dir, 'keys'));
    const pairing = new DesktopPairing({
      serverUrl: liar.url,
      vault,
      deviceName: 'Victim PC',
      platform: 'linux',
      ...options,
    });
    return { pairing, keysDir: path.join(dir, 'keys') };
  };
  /** Everything the server saw or said, as text: where the master key must never appear. */
  const serverView = () => JSON.stringify(liar.requests);
  const masterKeyText = () => toBase64Url(phone.session.masterKey);
  const vaultFiles = (keysDir: string) => {
    try {
      return readdirSync(keysDir);
    } catch {
      return [];
    }
  };

  it('protocol 1 could be ground offline (a key pair per check code); protocol 2 gives a ground key nothing to open', async () => {
    // The old attack, scaled down: keys are generated until one's protocol-1 code shares the first three
    // digits with a target (≈10^3 tries; all six digits take ≈10^6 — minutes, once, for every code).
    const target = protocol1CheckCode(generateBoxKeyPair().publicKey);
    let ground: BoxKeyPair | null = null;
    for (let tries = 0; tries < 50_000 && !ground; tries++) {
      const candidate = generateBoxKeyPair();
      if (protocol1CheckCode(candidate.publicKey).slice(0, 3) === target.slice(0, 3)) ground = candidate;
    }
    expect(ground).not.toBeNull();

    // Now the server holds such a key and swaps it in on the typed-code path.
    const { pairing, keysDir } = desktop({ maxMismatches: 1 });
    const undo = liar.rewriteJson(api.findPairingByCode, (body) => ({
      ...(body as object),
      desktopPublicKey: encodePublicKey(ground!.publicKey),
    }));
    try {
      const shown = nextShowing(pairing);
      const done = pairing.start();
      const screen = await shown;
      // The code on screen is random: not the protocol-1 code of the key the server relays.
      const realKey = liar.requestsTo(api.createPairingSession).at(-1)!.body as { desktopPublicKey: string };
      expect(screen.checkCode).not.toBe(protocol1CheckCode(decodePublicKey(realKey.desktopPublicKey)));

      const pending = await lookupPairing(phone.viaLiar, parsePairingInput(screen.pairingCode));
      await approvePairing(phone.viaLiar, phone.session, pending, screen.checkCode);
      const sent = liar.requestsTo(api.scanPairing).at(-1)!.body as { handover: PairingHandover };
      // The phone did not seal to the server's key: the hand-over is a CPace box the ground key can't open.
      expect(sent.handover.method).toBe('code');
      expect(() => openSealedJson(sent.handover.sealedBundle, ground!)).toThrow();
      // The real desktop refuses it too (the phone bound the substituted key into the transcript).
      expect(await done).toMatchObject({ kind: 'failed', code: 'code_mismatch' });
      expect(vaultFiles(keysDir)).toEqual([]);
      expect(serverView()).not.toContain(masterKeyText());
    } finally {
      undo();
    }
  });

  it("typed-code path: a server that swaps in its own CPace share can't open the phone's bundle, and the desktop can't either", async () => {
    const { pairing, keysDir } = desktop({ maxMismatches: 1 });
    let guess: ReturnType<typeof startDesktopPake> | null = null;
    let screen: Showing | null = null;
    const undo = liar.rewriteJson(api.findPairingByCode, (body) => {
      // The server runs the desktop's half itself, with its best guess at the code on the screen.
      const wrong = screen!.checkCode === '000 000' ? '000 001' : '000 000';
      guess = startDesktopPake(wrong);
      return { ...(body as object), pake: { sid: guess.sid, share: guess.share } };
    });
    try {
      const shown = nextShowing(pairing);
      const done = pairing.start();
      screen = await shown;
      const pending = await lookupPairing(phone.viaLiar, parsePairingInput(screen.pairingCode));
      await approvePairing(phone.viaLiar, phone.session, pending, screen.checkCode);

      const sent = liar.requestsTo(api.scanPairing).at(-1)!.body as {
        pairingId: string;
        handover: Extract<PairingHandover, { method: 'code' }>;
      };
      const transcript = {
        pairingId: sent.pairingId,
        desktopPublicKey: pending.info.desktopPublicKey,
        sid: guess!.sid,
      };
      expect(() =>
        openWithCheckCode(guess!, transcript, sent.handover.phoneShare, sent.handover.sealedBundle),
      ).toThrow();

      expect(await done).toMatchObject({ kind: 'failed', code: 'code_mismatch' });
      expect(await awaitPairingOutcome(phone.viaLiar, pending)).toBe('rejected');
      expect(vaultFiles(keysDir)).toEqual([]);
      expect(serverView()).not.toContain(masterKeyText());
      // The check code itself never crossed the server, in either direction.
      expect(serverView()).not.toContain(screen.checkCode.replace(' ', ''));
      expect(serverView()).not.toContain(screen.checkCode);
    } finally {
      undo();
    }
  });

  it('a forged approval — a bundle the server made itself, by either path — is refused by the desktop; it takes no device and stores nothing', async () => {
    const { pairing, keysDir } = desktop({ maxMismatches: 2 });
    const attackerKey = toBase64Url(generateMasterKey());
    let forged = 0;
    const undo = liar.rewriteJson(api.waitForPairing, (_body, context) => {
      // Everything the server knows about this session: what the desktop posted and what it answered.
      const pairingId = (context.requestBody as { pairingId: string }).pairingId;
      const created = liar
        .requestsTo(api.createPairingSession)
        .find((r) => (r.responseBody as { pairingId: string }).pairingId === pairingId)!;
      const posted = created.body as { desktopPublicKey: string; pake: { sid: string; share: string } };
      const bundle = { v: 2, pairingId, userId: randomId(), username: 'attacker', masterKey: attackerKey };
      forged++;
      if (forged === 1) {
        // QR path: anyone can seal to the desktop's public key — but not with the QR's secret.
        const sealed = sealJson(
          { ...bundle, qrSecret: toBase64Url(randomBytes(16)) },
          decodePublicKey(posted.desktopPublicKey),
        );
        return { status: 'approved', handover: { method: 'qr', sealedBundle: sealed } };
      }
      // Typed-code path: the server runs the phone's half with a guessed code.
      const transcript = { pairingId, desktopPublicKey: posted.desktopPublicKey, sid: posted.pake.sid };
      const sealed = sealWithCheckCode('123 456', transcript, posted.pake.share, utf8.encode(JSON.stringify(bundle)));
      return {
        status: 'approved',
        handover: { method: 'code', phoneShare: sealed.phoneShare, sealedBundle: sealed.box },
      };
    });
    try {
      const noticed = nextShowing(pairing, (s) => s.notice !== undefined);
      const done = pairing.start();
      expect((await noticed).notice).toMatch(/didn’t match/);
      const final = await done;
      expect(final).toMatchObject({ kind: 'failed', code: 'code_mismatch' });
      expect(forged).toBe(2);
      expect(vaultFiles(keysDir)).toEqual([]);
      // The desktop never confirmed (so never took a device or tokens for the forged account).
      expect(liar.requestsTo(api.confirmPairing)).toEqual([]);
    } finally {
      undo();
    }
  });

  it('QR path: a server that reports another desktop key than the QR is caught before anything is sealed', async () => {
    const { pairing } = desktop();
    const serverKey = generateBoxKeyPair();
    const undo = liar.rewriteJson(api.getPairingSession, (body) => ({
      ...(body as object),
      desktopPublicKey: encodePublicKey(serverKey.publicKey),
    }));
    try {
      const shown = nextShowing(pairing);
      void pairing.start();
      const screen = await shown;
      const scansBefore = liar.requestsTo(api.scanPairing).length;
      await expect(lookupPairing(phone.viaLiar, parsePairingInput(screen.link))).rejects.toMatchObject({
        reason: 'key_mismatch',
      });
      expect(liar.requestsTo(api.scanPairing).length).toBe(scansBefore);
    } finally {
      undo();
      pairing.cancel();
    }
  });

  it('QR path relayed honestly: one scan links, and the server only ever held a box it cannot open', async () => {
    const { pairing, keysDir } = desktop();
    const shown = nextShowing(pairing);
    const done = pairing.start();
    const screen = await shown;
    await approvePairing(
      phone.viaLiar,
      phone.session,
      await lookupPairing(phone.viaLiar, parsePairingInput(screen.link)),
    );
    expect(await done).toMatchObject({ kind: 'paired', userId: phone.session.userId });
    expect(vaultFiles(keysDir).sort()).toEqual(['credentials.key', 'master-key.key']);
    const sent = liar.requestsTo(api.scanPairing).at(-1)!.body as { handover: PairingHandover };
    expect(sent.handover.method).toBe('qr');
    expect(() => openSealedJson(sent.handover.sealedBundle, generateBoxKeyPair())).toThrow();
    expect(serverView()).not.toContain(masterKeyText());
  });
});
