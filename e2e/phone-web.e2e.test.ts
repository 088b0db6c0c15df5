import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { buildPairingLink } from '../common/contract';
import {
  encodePublicKey,
  generateBoxKeyPair,
  initCrypto,
  newCheckCode,
  randomBytes,
  startDesktopPake,
  toBase64Url,
} from '../common/crypto';
import { FileKeyVault } from '../desktop/src/core/keys/file-key-vault';
import { DesktopPairing } from '../desktop/src/core/pairing/desktop-pairing';
import type { PairingState } from '../desktop/src/core/pairing/pairing-state';
import { DeviceSession } from '../desktop/src/core/session/device-session';
import { signIn } from '../mobile-pairing/src/core/account';
import { chatKeyFor, readMessage, sendText, startChat } from '../mobile-pairing/src/core/chats';
import { listLinkedDevices } from '../mobile-pairing/src/core/pairing';
import { decodeQrFromImageData } from '../mobile-pairing/src/core/qr-decode';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { ensurePhoneBuild } from './support/build-phone';
import { launchChromium, newPhone, type PhoneBrowser, qrPixels, writeQrY4m } from './support/phone-web';

const ARTIFACTS = path.resolve(__dirname, '../test-artifacts/phone');
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });

function whenState<K extends PairingState['kind']>(
  pairing: DesktopPairing,
  kind: K,
): Promise<Extract<PairingState, { kind: K }>> {
  return new Promise((resolve) => {
    const off = pairing.subscribe((state) => {
      if (state.kind === kind) {
        queueMicrotask(() => off());
        resolve(state as Extract<PairingState, { kind: K }>);
      }
    });
  });
}

/** The user as the test drives the web app: one account, made in the browser. */
const user = { username: `webalice${process.pid}`.slice(0, 32), password: 'correct horse battery' };

describe('the phone web app, in Chromium on a phone-sized screen, against the real server and a real desktop', () => {
  let server: TestServer;
  let chromium: PhoneBrowser;
  let page: Page;
  let problems: string[];
  let vaultDir: string;
  const desktops: DesktopPairing[] = [];

  /** A real desktop pairing client in this process, cancelled after each test so no long-poll outlives it. */
  function desktopPairing(vault: FileKeyVault, deviceName: string, platform: 'macos' | 'windows' | 'linux') {
    const pairing = new DesktopPairing({ serverUrl: server.url, vault, deviceName, platform });
    desktops.push(pairing);
    const showing = whenState(pairing, 'showing');
    const done = pairing.start();
    return { pairing, showing, done };
  }

  beforeAll(async () => {
    ensurePhoneBuild();
    mkdirSync(ARTIFACTS, { recursive: true });
    await initCrypto();
    server = await startTestServer();
    chromium = await launchChromium();
    ({ page, problems } = await newPhone(chromium.browser));
  }, 180_000);
  afterAll(async () => {
    await chromium?.close();
    await server?.stop();
  });
  beforeEach(() => {
    vaultDir = mkdtempSync(path.join(os.tmpdir(), 'symc-web-vault-'));
  });
  afterEach(() => {
    for (const pairing of desktops.splice(0)) pairing.cancel();
    rmSync(vaultDir, { recursive: true, force: true });
    // Nothing the page logged as an error (a CSP violation would show here) may pass unnoticed.
    expect(problems.splice(0)).toEqual([]);
  });

  const linkTab = () => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Link desktop' });
  const devicesTab = () => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices' });
  const pairingField = () => page.getByRole('textbox', { name: 'Pairing link or code' });

  async function enterPairing(text: string): Promise<void> {
    await linkTab().click();
    const another = page.getByRole('button', { name: 'Link another desktop' });
    if (await another.isVisible()) await another.click();
    await pairingField().fill(text);
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  it('signs up with keys made on the phone, stays signed in across a reload, and sends a message another user decrypts', async () => {
    await page.goto(`${server.url}/phone/`);
    await shot(page, 'welcome');
    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByLabel('Repeat password').fill(user.password);
    await page.getByRole('button', { name: 'Create account' }).last().click();
    await page.getByRole('heading', { name: 'Chats', exact: true }).waitFor();
    await page.getByRole('heading', { name: 'No chats yet' }).waitFor();

    // The session (master key included) survives a reload: it is kept on the device, wrapped.
    await page.reload();
    await page.getByRole('heading', { name: 'No chats yet' }).waitFor();

    // Someone else, created through the API, and a chat started from the phone by their username.
    const bob = await signUpPhone(server, 'webbob');
    await page.getByRole('link', { name: 'New chat' }).click();
    await page.getByLabel('Usernames').fill(bob.session.username);
    await page.getByLabel(/Chat title/).fill('Weekend plans');
    await page.getByRole('button', { name: 'Start chat' }).click();
    await page.getByRole('heading', { name: 'Weekend plans' }).waitFor();

    // Typed and sent with the keyboard alone.
    const composer = page.getByRole('textbox', { name: 'Message' });
    await composer.fill('Hi Bob! Ready for Saturday?');
    await composer.press('Enter');
    await page.getByRole('log').getByText('Hi Bob! Ready for Saturday?').waitFor();

    // Bob's client finds the chat and decrypts the message: the server only carried ciphertext.
    const { chats } = await bob.api.call('listChats', {});
    expect(chats).toHaveLength(1);
    const key = await chatKeyFor(bob.api, bob.session, chats[0]!);
    const { messages } = await bob.api.call('listMessages', { params: { chatId: chats[0]!.chatId }, query: {} });
    expect(messages.map((m) => readMessage(m, key))).toEqual([
      expect.objectContaining({ text: 'Hi Bob! Ready for Saturday?', senderName: user.username }),
    ]);
    expect(server.logs.join('\n')).not.toContain('Ready for Saturday');

    // Bob answers; the open conversation shows it without a reload.
    await sendText(bob.api, bob.session, chats[0]!.chatId, key, 'Yes! Bringing the tent.');
    await page.getByRole('log').getByText('Yes! Bringing the tent.').waitFor({ timeout: 15_000 });
    await composer.fill('Perfect. I will bring the stove and coffee.');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('log').getByText('Perfect. I will bring the stove and coffee.').waitFor();
    await shot(page, 'chat');

    // A second chat that someone else started: its sealed key is opened on the phone.
    const carol = await signUpPhone(server, 'webcarol');
    const started = await startChat(carol.api, carol.session, { title: 'Book club', memberUsernames: [user.username] });
    await sendText(
      carol.api,
      carol.session,
      started.chat.chatId,
      started.chatKey,
      'Chapter 4 for Thursday, see you there',
    );
    await page.getByRole('link', { name: 'Back' }).click();
    await page.getByRole('list', { name: 'Chats' }).getByText('Chapter 4 for Thursday, see you there').waitFor();
    await shot(page, 'chats');

    // The service worker caches the app shell under /phone/ and never an API answer.
    // (A string: this code runs in the page, and the test's TypeScript has no DOM types.)
    const cached = await page.evaluate<string[]>(`(async () => {
      await navigator.serviceWorker.ready;
      const urls = [];
      for (const name of await caches.keys()) for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
      return urls;
    })()`);
    expect(cached).toEqual(expect.arrayContaining(['/phone/', '/phone/manifest.webmanifest']));
    expect(cached.filter((p) => !p.startsWith('/phone/'))).toEqual([]);
  }, 90_000);

  it('links a desktop by pasting its link (no code to type); unlinking cuts the desktop off', async () => {
    const vault = new FileKeyVault(vaultDir);
    const { pairing, showing, done } = desktopPairing(vault, 'Office PC', 'windows');
    const screen = await showing;

    await enterPairing(screen.link);
    await expect(page.getByTestId('pairing-device-name').textContent()).resolves.toBe('Office PC');
    await expect(page.getByTestId('pairing-device-platform').textContent()).resolves.toBe('Windows computer');
    await page.getByText(/Asked/).waitFor();

    // The link came from the desktop's screen: no check code is asked for.
    await page.getByTestId('scanned-hint').waitFor();
    expect(await page.getByLabel('Check code shown on the desktop').count()).toBe(0);
    expect(pairing.current.kind).toBe('showing');
    await shot(page, 'link-confirm');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('heading', { name: '“Office PC” is linked' }).waitFor();
    await expect(done).resolves.toMatchObject({ kind: 'paired', username: user.username });
    await shot(page, 'link-done');

    const desktop = (await DeviceSession.restore(vault))!;
    await expect(desktop.call('listChats', {})).resolves.toMatchObject({ chats: expect.any(Array) });

    await devicesTab().click();
    const row = page.getByTestId('device-row').filter({ hasText: 'Office PC' });
    await row.waitFor();
    await expect(row.textContent()).resolves.toMatch(/Windows · last seen/);
    await page.getByTestId('device-row').filter({ hasText: 'This phone' }).waitFor();
    await shot(page, 'devices');

    await row.getByRole('button', { name: 'Unlink Office PC' }).click();
    const dialog = page.getByRole('dialog', { name: 'Unlink “Office PC”?' });
    await dialog.waitFor();
    await shot(page, 'unlink-confirm');
    await dialog.getByRole('button', { name: 'Unlink' }).click();
    await page.getByRole('status').filter({ hasText: 'was unlinked' }).waitFor();
    await row.waitFor({ state: 'detached' });

    // The desktop's very next request is refused, and it wipes its keys.
    await expect(desktop.call('listChats', {})).rejects.toMatchObject({ status: 403, code: 'device_revoked' });
    expect(await DeviceSession.restore(vault)).toBeNull();

    // The link was used: pasting it again says so.
    await enterPairing(screen.link);
    await expect(page.getByTestId('pairing-error').textContent()).resolves.toMatch(/used already/);
  }, 90_000);

  it('links a desktop by its typed pairing code and check code; a wrong check code is caught by the desktop, which shows new codes', async () => {
    const vault = new FileKeyVault(vaultDir);
    const { pairing, showing, done } = desktopPairing(vault, 'Attic PC', 'linux');
    const screen = await showing;
    await enterPairing(screen.pairingCode.toLowerCase());
    await expect(page.getByTestId('pairing-device-name').textContent()).resolves.toBe('Attic PC');

    // A code that is not the one on the desktop's screen: the phone can't tell (nothing it holds derives
    // the code); the desktop can't open the keys, says so and shows new codes; so does the phone.
    const wrong = screen.checkCode === '111 111' ? '222 222' : '111 111';
    const renewed = new Promise<Extract<PairingState, { kind: 'showing' }>>((resolve) => {
      pairing.subscribe((state) => {
        if (state.kind === 'showing' && state.notice) resolve(state);
      });
    });
    await page.getByLabel('Check code shown on the desktop').fill(wrong);
    await page.getByRole('button', { name: 'Approve' }).click();
    await expect(page.getByTestId('pairing-error').textContent()).resolves.toMatch(/check code didn’t match/);
    await shot(page, 'link-wrong-code');
    const again = await renewed;
    expect(again.checkCode).toMatch(/^\d{3} \d{3}$/);

    await enterPairing(again.pairingCode);
    await page.getByLabel('Check code shown on the desktop').fill(again.checkCode.replace(' ', ''));
    await shot(page, 'link-confirm-code');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('heading', { name: '“Attic PC” is linked' }).waitFor();
    await expect(done).resolves.toMatchObject({ kind: 'paired', username: user.username });
    expect((await DeviceSession.restore(vault))!.username).toBe(user.username);
    await page.getByRole('button', { name: 'Link another desktop' }).click();
  }, 90_000);

  it('Deny tells the desktop no', async () => {
    const { showing, done } = desktopPairing(new FileKeyVault(vaultDir), 'Studio Mac', 'macos');
    const screen = await showing;
    await enterPairing(screen.pairingCode.toLowerCase());
    await expect(page.getByTestId('pairing-device-name').textContent()).resolves.toBe('Studio Mac');
    await expect(page.getByTestId('pairing-device-platform').textContent()).resolves.toBe('macOS computer');
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.getByRole('heading', { name: 'Request denied' }).waitFor();
    await expect(done).resolves.toEqual({ kind: 'denied' });
  }, 60_000);

  it('says in words what is wrong with a malformed link, another version, an unknown code and an expired request', async () => {
    const errorText = () => page.getByTestId('pairing-error').textContent();
    await enterPairing('https://example.com/pair?id=1');
    await expect(errorText()).resolves.toMatch(/Paste the link from the desktop, or type the 8-character code/);
    await shot(page, 'link-malformed');

    const key = encodePublicKey(generateBoxKeyPair().publicKey);
    const qrSecret = toBase64Url(randomBytes(16));
    const link = buildPairingLink({
      pairingId: '5b0b7a5e-3a55-4a57-9d59-2b1f7c2e9d10',
      desktopPublicKey: key,
      serverOrigin: server.url,
      qrSecret,
    });
    await enterPairing(link.replace('v=2', 'v=7'));
    await expect(errorText()).resolves.toMatch(/version 7.*Update the app/);
    await enterPairing(link.replace('v=2', 'v=1'));
    await expect(errorText()).resolves.toMatch(/older Symc desktop.*Update Symc on the desktop/);

    await enterPairing(link.replace(/k=[^&]+/, 'k=short'));
    await expect(errorText()).resolves.toMatch(/desktop key in this pairing link is not valid/);

    await enterPairing('ZZZZ-9999');
    await expect(errorText()).resolves.toMatch(/No desktop is waiting for this link or code/);

    // A desktop that asked, but longer ago than a pairing code lives.
    const pake = startDesktopPake(newCheckCode());
    const session = await server.client().call('createPairingSession', {
      body: {
        desktopPublicKey: key,
        deviceName: 'Old PC',
        platform: 'linux',
        pake: { sid: pake.sid, share: pake.share },
      },
    });
    await server.server.deps.db.pairingSession.update({
      where: { id: session.pairingId },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    await enterPairing(
      buildPairingLink({
        pairingId: session.pairingId,
        desktopPublicKey: key,
        serverOrigin: session.serverOrigin,
        qrSecret,
      }),
    );
    await expect(errorText()).resolves.toMatch(/has expired/);
  }, 60_000);

  it('the desktop’s QR decodes through the same decoder the camera loop uses', async () => {
    const screen = await desktopPairing(new FileKeyVault(vaultDir), 'Any', 'linux').showing;
    expect(decodeQrFromImageData(await qrPixels(screen.link))).toBe(screen.link);
  });

  it('a new phone signs in (recovering the master key with the password), links a desktop by scanning its QR with the camera, and unlinks the first phone', async () => {
    const vault = new FileKeyVault(vaultDir);
    const { showing, done } = desktopPairing(vault, 'Living-room PC', 'linux');
    const screen = await showing;

    // Chromium's fake camera plays a recording of the desktop's screen with that QR on it.
    const video = path.join(vaultDir, '..', `symc-qr-${process.pid}.y4m`);
    await writeQrY4m(screen.link, video);
    const camera = await launchChromium({ fakeCamera: video });
    try {
      const phone = await newPhone(camera.browser, { camera: true });
      await phone.page.goto(`${server.url}/phone/`);
      await phone.page.getByRole('button', { name: 'Sign in' }).click();
      await phone.page.getByLabel('Username').fill(user.username);
      await phone.page.getByLabel('Password').fill(user.password);
      await phone.page.getByRole('button', { name: 'Sign in' }).last().click();
      await phone.page.getByRole('heading', { name: 'Chats', exact: true }).waitFor();
      await phone.page.getByRole('list', { name: 'Chats' }).getByText('Weekend plans').waitFor();

      await phone.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Link desktop' }).click();
      await phone.page.getByRole('button', { name: 'Scan QR code' }).click();
      await phone.page.getByTestId('pairing-device-name').waitFor({ timeout: 20_000 });
      await expect(phone.page.getByTestId('pairing-device-name').textContent()).resolves.toBe('Living-room PC');
      // One scan: the camera read the desktop's own screen, so nothing is typed.
      await phone.page.getByRole('button', { name: 'Approve' }).click();
      await expect(done).resolves.toMatchObject({ kind: 'paired' });

      // The desktop holds the same master key the password recovers: the signed-in phone had the real one.
      const desktop = (await DeviceSession.restore(vault))!;
      const recovered = await signIn(server.client(), {
        username: user.username,
        password: user.password,
        device: { name: 'check', platform: 'web' },
      });
      expect(Buffer.from(desktop.masterKey).equals(Buffer.from(recovered.masterKey))).toBe(true);

      // This phone unlinks the first one; the first one hears it on its live stream (no request of its
      // own needed), wipes and says why.
      await phone.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices' }).click();
      await phone.page.getByRole('button', { name: 'Unlink Browser (web app)' }).click();
      await phone.page.getByRole('dialog').getByRole('button', { name: 'Unlink' }).click();
      await phone.page.getByRole('status').filter({ hasText: 'was unlinked' }).waitFor();
      await page.getByText('This phone was unlinked from your account. Sign in again to use it.').waitFor();
      await page.reload();
      await page.getByRole('button', { name: 'Create account' }).first().waitFor(); // nothing was kept

      // Signing out of the web app unlinks that phone too and returns to the welcome screen.
      await phone.page.getByRole('button', { name: 'Sign out' }).click();
      await phone.page.getByRole('dialog').getByRole('button', { name: 'Sign out' }).click();
      await phone.page.getByRole('button', { name: 'Create account' }).first().waitFor();
      const remaining = await listLinkedDevices(server.client(() => recovered.tokens.accessToken));
      expect(remaining.filter((d) => d.kind === 'phone').map((d) => d.name)).toEqual(['check']);
      expect(phone.problems).toEqual([]);
    } finally {
      await camera.close();
      rmSync(video, { force: true });
    }
  }, 90_000);

  it('the page needs exactly its CSP exception: without wasm-unsafe-eval, libsodium cannot start', async () => {
    const strict = await newPhone(chromium.browser);
    await strict.page.route('**/phone/', async (route) => {
      const response = await route.fetch();
      const csp = response.headers()['content-security-policy'] ?? '';
      expect(csp).toContain("'wasm-unsafe-eval'");
      await route.fulfill({
        response,
        headers: { ...response.headers(), 'content-security-policy': csp.replace(" 'wasm-unsafe-eval'", '') },
      });
    });
    await strict.page.goto(`${server.url}/phone/`);
    await strict.page.getByText(/can’t run Symc’s encryption/).waitFor();
    expect(strict.problems.join('\n')).toMatch(/Content Security Policy/);
    await strict.context.close();
  });
});
