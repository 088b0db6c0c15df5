import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jsQR from 'jsqr';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { api } from '../common/contract';
import { encodePublicKey, generateBoxKeyPair, initCrypto, encodeSigningPublicKey } from '../common/crypto';
import { safetyNumber } from '../common/trust/safety-number';
import { sendText, startChat } from '../mobile-pairing/src/core/chats';
import { phoneContacts } from '../mobile-pairing/src/core/contacts';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { pairDesktop } from './support/desktop';
import { ensureDesktopBuild, type RunningDesktopApp, startDesktopApp } from './support/desktop-app';
import { LyingServer } from './support/lying-server';
import { openDesktopPage, stopInOrder } from './support/app-in-chromium';
import type { PhoneBrowser } from './support/phone-web';

const ARTIFACTS = path.resolve(__dirname, '../test-artifacts/desktop');

function decodeQr(png: Buffer): string | null {
  const image = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data ?? null;
}

/**
 * The desktop app (headless host + the real renderer in Chromium) behind a server that substitutes a
 * verified contact's identity key: the chat says so, sending pauses until the user acknowledges, and the
 * safety number (digits + QR) is the one the contact's own phone computes.
 */
describe('identities in the desktop app, against a lying server', () => {
  let server: TestServer;
  let liar: LyingServer;
  let chromium: PhoneBrowser;
  let page: Page;
  let desktop: RunningDesktopApp;
  let dir: string;
  let alice: Awaited<ReturnType<typeof signUpPhone>>;
  let bob: Awaited<ReturnType<typeof signUpPhone>>;
  let carol: Awaited<ReturnType<typeof signUpPhone>>;
  let problems: string[];
  let chatId: string;

  beforeAll(async () => {
    ensureDesktopBuild();
    mkdirSync(ARTIFACTS, { recursive: true });
    await initCrypto();
    server = await startTestServer();
    liar = await new LyingServer(server.url).start();
    alice = await signUpPhone(server, 'dkalice');
    bob = await signUpPhone(server, 'dkbob');
    const { chat, chatKey } = await startChat(bob.api, bob.session, {
      title: 'Bob and Alice',
      memberUsernames: [alice.session.username],
    });
    chatId = chat.chatId;
    carol = await signUpPhone(server, 'dkcarol');
    await startChat(carol.api, carol.session, { title: 'Carol and Alice', memberUsernames: [alice.session.username] });
    await sendText(bob.api, bob.session, chat.chatId, chatKey, 'Compare numbers?');
    // Alice's phone met Bob and marked him verified: the pins every device of hers shares.
    const contacts = await phoneContacts(alice.api, alice.session);
    await contacts.meet([bob.session.userId, carol.session.userId]);
    await contacts.setVerified(bob.session.userId, encodePublicKey(bob.session.identity.publicKey), true);

    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-identities-app-'));
    await pairDesktop(liar.url, alice, dir);
    desktop = await startDesktopApp(liar.url, dir);
    ({ chromium, page, problems } = await openDesktopPage(
      { viewport: { width: 1280, height: 800 }, locale: 'en-GB' },
      { consoleErrors: false },
    ));
  }, 240_000);

  afterAll(() => stopInOrder([chromium, desktop, liar, server], [dir]));

  it('shows "Bob\'s safety number changed", pauses sending, shows the real safety number, and resumes once acknowledged', async () => {
    const forged = encodePublicKey(generateBoxKeyPair().publicKey);
    liar.rewriteJson(api.lookupUserById, (body, context) =>
      context.params.userId === bob.session.userId ? { ...(body as object), identityPublicKey: forged } : undefined,
    );
    await page.goto(desktop.host.url);
    await page.getByRole('button', { name: /^Bob and Alice/ }).click({ timeout: 30_000 });
    const warning = page.getByRole('alert').filter({ hasText: `${bob.session.username}'s safety number changed` });
    await warning.waitFor({ timeout: 15_000 });
    await page.getByText('Sending is paused until you acknowledge').waitFor();
    await page.getByRole('textbox', { name: 'Message' }).fill('Hello?');
    expect(await page.getByRole('button', { name: 'Send', exact: true }).isDisabled()).toBe(true);
    // The app refuses it too, whatever the renderer does.
    const refused = await page.evaluate(
      async (chatId) =>
        (globalThis as unknown as { symc: { sendMessage(i: object): Promise<unknown> } }).symc.sendMessage({
          chatId,
          text: 'sneak',
        }),
      chatId,
    );
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'wrong_state', message: expect.stringContaining('Sending is paused') },
    });
    await page.screenshot({ path: path.join(ARTIFACTS, 'identity-key-changed.png') });

    // The safety number shown is that of the pinned (real) keys: the same digits Bob's phone computes.
    await warning.getByRole('button', { name: 'Safety number' }).click();
    const dialog = page.getByRole('dialog', { name: `Safety number with ${bob.session.username}` });
    await dialog.waitFor();
    const digits = await dialog.getByLabel('Safety number', { exact: true }).getAttribute('data-digits');
    const onBobsPhone = safetyNumber(
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
    expect(digits).toBe(onBobsPhone);
    expect(await dialog.locator('.safety-digits span').count()).toBe(12);
    // Bob's phone scanning the QR on the screen reads the same number.
    expect(decodeQr(await dialog.getByRole('img').screenshot())).toBe(`symc-safety-number:v1:${onBobsPhone}`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'identity-safety-number.png') });
    await dialog.getByRole('button', { name: 'Close' }).click();

    // Acknowledged: the warning goes, sending resumes, and Bob is no longer "verified".
    await warning.getByRole('button', { name: 'Acknowledge' }).click();
    await warning.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.getByRole('log', { name: 'Messages' }).getByText('Hello?').waitFor();
    const book = await (await phoneContacts(alice.api, alice.session)).replica.refresh();
    expect(book.contacts[bob.session.userId]).toMatchObject({
      identityPublicKey: forged,
      verified: false,
      pendingChange: null,
    });
    expect(problems).toEqual([]);
  });

  it('marks a contact verified from the safety number dialog, for every device of the user', async () => {
    await page.getByRole('button', { name: `${bob.session.username}: safety number` }).click();
    const dialog = page.getByRole('dialog', { name: `Safety number with ${bob.session.username}` });
    // The box shows the stored state: checked once the mark is saved (synced) by the app.
    await dialog.getByRole('checkbox', { name: /Verified/ }).click();
    await dialog.getByRole('checkbox', { name: /Verified/, checked: true }).waitFor();
    const contacts = await phoneContacts(alice.api, alice.session);
    await contacts.replica.refresh();
    expect(contacts.pin(bob.session.userId)?.verified).toBe(true);
  });

  it('"Keep the keys I had" refuses a change: the warning goes and the pin stays', async () => {
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    const fake = encodePublicKey(generateBoxKeyPair().publicKey);
    liar.rewriteJson(api.lookupUserById, (body, context) =>
      context.params.userId === carol.session.userId ? { ...(body as object), identityPublicKey: fake } : undefined,
    );
    await page.getByRole('button', { name: /^Carol and Alice/ }).click();
    const warning = page.getByRole('alert').filter({ hasText: `${carol.session.username}'s safety number changed` });
    await warning.waitFor({ timeout: 15_000 });
    // Not verified: a warning, sending goes on.
    expect(await page.getByText('Sending is paused').count()).toBe(0);
    await warning.getByRole('button', { name: 'Keep the keys I had' }).click();
    await warning.waitFor({ state: 'detached' });
    const contacts = await phoneContacts(alice.api, alice.session);
    await contacts.replica.refresh();
    expect(contacts.pin(carol.session.userId)).toMatchObject({
      identityPublicKey: encodePublicKey(carol.session.identity.publicKey),
      pendingChange: null,
      rejected: [fake],
    });
  });
});
