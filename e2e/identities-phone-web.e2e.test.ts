import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jsQR from 'jsqr';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { api, type ContactsRecord } from '../common/contract';
import { encodePublicKey, generateBoxKeyPair, initCrypto, encodeSigningPublicKey } from '../common/crypto';
import { safetyNumber, safetyNumberQrText } from '../common/trust/safety-number';
import { sendText, startChat } from '../mobile-pairing/src/core/chats';
import { phoneContacts } from '../mobile-pairing/src/core/contacts';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { ensurePhoneBuild } from './support/build-phone';
import { LyingServer } from './support/lying-server';
import { launchChromium, newPhone, type PhoneBrowser, writeQrY4m } from './support/phone-web';

const ARTIFACTS = path.resolve(__dirname, '../test-artifacts/phone');

function decodeQr(png: Buffer): string | null {
  const image = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data ?? null;
}

/**
 * The phone web app (Chromium, camera played from a file) behind a server that substitutes a verified
 * contact's identity key: the chat warns and pauses sending; the safety number screen shows the pinned
 * number as digits and QR, scanning the contact's code (their real keys) matches until the change is
 * acknowledged — after that it no longer does, which is what comparing is for.
 */
describe('identities in the phone web app, against a lying server', () => {
  let server: TestServer;
  let liar: LyingServer;
  let chromium: PhoneBrowser;
  let page: Page;
  let problems: string[];
  let tmp: string;
  let alice: Awaited<ReturnType<typeof signUpPhone>>;
  let bob: Awaited<ReturnType<typeof signUpPhone>>;
  let onBobsPhone: string;
  let firstBook: ContactsRecord;
  const forged = () => encodePublicKey(generateBoxKeyPair().publicKey);

  beforeAll(async () => {
    ensurePhoneBuild();
    mkdirSync(ARTIFACTS, { recursive: true });
    await initCrypto();
    server = await startTestServer();
    liar = await new LyingServer(server.url).start();
    alice = await signUpPhone(server, 'pwalice');
    bob = await signUpPhone(server, 'pwbob');
    const { chat, chatKey } = await startChat(bob.api, bob.session, {
      title: 'Tea with Bob',
      memberUsernames: [alice.session.username],
    });
    await sendText(bob.api, bob.session, chat.chatId, chatKey, 'Shall we compare numbers?');
    const contacts = await phoneContacts(alice.api, alice.session);
    await contacts.meet([bob.session.userId]);
    await contacts.setVerified(bob.session.userId, encodePublicKey(bob.session.identity.publicKey), true);
    firstBook = (await alice.api.call('getContacts', {})).contacts!;
    // What Bob's own phone shows, from the real keys: his screen, filmed by Alice's camera.
    onBobsPhone = safetyNumber(
      {
        userId: bob.session.userId,
        identityPublicKey: encodePublicKey(bob.session.identity.publicKey),
        signingPublicKey: encodeSigningPublicKey(bob.session.signing!.publicKey),
      },
      {
        userId: alice.session.userId,
        identityPublicKey: encodePublicKey(alice.session.identity.publicKey),
        signingPublicKey: encodeSigningPublicKey(alice.session.signing!.publicKey),
      },
    );
    tmp = mkdtempSync(path.join(os.tmpdir(), 'symc-safety-'));
    const camera = path.join(tmp, 'bobs-screen.y4m');
    await writeQrY4m(safetyNumberQrText(onBobsPhone), camera);
    chromium = await launchChromium({ fakeCamera: camera });
    ({ page, problems } = await newPhone(chromium.browser, { camera: true }));
  }, 180_000);

  afterAll(async () => {
    await chromium?.close();
    await liar?.stop();
    await server?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('warns in the chat, pauses sending, and the safety number screen shows and scans the real number', async () => {
    const fake = forged();
    liar.rewriteJson(api.lookupUserById, (body, context) =>
      context.params.userId === bob.session.userId ? { ...(body as object), identityPublicKey: fake } : undefined,
    );
    await page.goto(`${liar.url}/phone/`);
    await page.getByRole('button', { name: 'Sign in' }).first().click();
    await page.getByLabel('Username').fill(alice.session.username);
    await page.getByLabel('Password', { exact: true }).fill(alice.password);
    await page.getByRole('button', { name: 'Sign in' }).last().click();
    await page.getByRole('list', { name: 'Chats' }).getByText('Tea with Bob').click();

    const warning = page.getByRole('alert').filter({ hasText: `${bob.session.username}’s safety number changed` });
    await warning.waitFor({ timeout: 15_000 });
    await page.getByRole('status').filter({ hasText: 'Sending is paused until you review' }).waitFor();
    await page.getByRole('textbox', { name: 'Message' }).fill('Hello?');
    expect(await page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'identity-key-changed.png') });

    await warning.getByRole('link', { name: 'Review safety number' }).click();
    const digits = page.getByLabel('Safety number', { exact: true });
    await digits.waitFor();
    expect(await digits.getAttribute('data-digits')).toBe(onBobsPhone);
    const qr = page.getByRole('img', { name: /QR code of the safety number/ });
    await qr.waitFor();
    // Centred on screen, as someone shows it to the other phone (not half under the tab bar).
    await qr.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    const qrShot = await qr.screenshot({ path: path.join(ARTIFACTS, 'identity-safety-qr.png') });
    expect(decodeQr(qrShot)).toBe(safetyNumberQrText(onBobsPhone));
    // Alice's camera on Bob's screen: the same number (the pins hold his real keys).
    await page.getByRole('button', { name: 'Scan their code' }).click();
    await page.getByText('The codes match').waitFor({ timeout: 15_000 });
    expect(await page.getByRole('checkbox', { name: /Verified/ }).isDisabled()).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'identity-safety-number.png') });

    // Acknowledged: the pin is now the server's key — and the number no longer matches Bob's.
    await page.getByRole('button', { name: 'Acknowledge the new safety number' }).click();
    await page.getByRole('button', { name: 'Acknowledge the new safety number' }).waitFor({ state: 'detached' });
    expect(await digits.getAttribute('data-digits')).not.toBe(onBobsPhone);
    await page.getByRole('button', { name: 'Scan their code' }).click();
    await page.getByText('The codes do not match').waitFor({ timeout: 15_000 });
    const book = await (await phoneContacts(alice.api, alice.session)).replica.refresh();
    expect(book.contacts[bob.session.userId]).toMatchObject({
      identityPublicKey: fake,
      verified: false,
      pendingChange: null,
    });
    expect(problems).toEqual([]);
  });

  it('the verified mark set on the safety number screen syncs to the other devices', async () => {
    await page.getByRole('checkbox', { name: /Verified/ }).click();
    await page.getByRole('checkbox', { name: /Verified/, checked: true }).waitFor();
    const contacts = await phoneContacts(alice.api, alice.session);
    await contacts.replica.refresh();
    expect(contacts.pin(bob.session.userId)?.verified).toBe(true);
  });

  it('after a reload, an older contact book served by the server is refused and shown; the kept pins stay', async () => {
    liar.rewriteJson(api.getContacts, () => ({ contacts: firstBook }));
    await page.goto(`${liar.url}/phone/#/chats`);
    await page.reload();
    await page.getByRole('list', { name: 'Chats' }).getByText('Tea with Bob').click();
    await page
      .getByRole('alert')
      .filter({ hasText: 'The server offered contact keys this phone refused' })
      .waitFor({ timeout: 15_000 });
    await page.getByRole('alert').filter({ hasText: `older than version` }).waitFor();
    // The pin kept on this phone (verified, the key acknowledged above) is what the chat shows.
    await page.getByRole('link', { name: `✓ ${bob.session.username}: safety number` }).waitFor();
    expect(problems).toEqual([]);
  });
});
