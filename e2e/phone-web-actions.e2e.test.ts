import type { Page } from 'playwright-core';
import { encryptMessageEdit, readEdit, signMessageEdit } from '../common/content';
import { initCrypto } from '../common/crypto';
import { signIn } from '../mobile-pairing/src/core/account';
import {
  chatKeyFor,
  chatKeysFor,
  readChatMeta,
  readMessage,
  sendText,
  startChat,
} from '../mobile-pairing/src/core/chats';
import { PhoneSettings } from '../mobile-pairing/src/core/chat-prefs';
import { deleteForEveryone, deleteForMe, editText } from '../mobile-pairing/src/core/message-actions';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { ensurePhoneBuild } from './support/build-phone';
import { launchChromium, newPhone, type PhoneBrowser } from './support/phone-web';

/**
 * The phone web app's message actions and chat info screen (docs/MESSAGES.md, docs/GROUPS.md) in Chromium:
 * Alice on the page; her other device, Bob and Carol through the API. Actions taken on the page reach the
 * others; theirs reach the page live; prefs sync encrypted between Alice's two devices.
 */
describe('the phone web app: message actions, members, mute/archive/delete', () => {
  let server: TestServer;
  let chromium: PhoneBrowser;
  let page: Page;
  let problems: string[];
  let alice: Awaited<ReturnType<typeof signUpPhone>>;
  let bob: Awaited<ReturnType<typeof signUpPhone>>;
  let carol: Awaited<ReturnType<typeof signUpPhone>>;

  beforeAll(async () => {
    ensurePhoneBuild();
    await initCrypto();
    server = await startTestServer();
    chromium = await launchChromium();
    ({ page, problems } = await newPhone(chromium.browser));
    alice = await signUpPhone(server, 'pwaalice');
    bob = await signUpPhone(server, 'pwabob');
    carol = await signUpPhone(server, 'pwacarol');
    // The page is another device of Alice's (a second phone session): her API session is "the other device".
    await page.goto(`${server.url}/phone/`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Username').fill(alice.session.username);
    await page.getByLabel('Password', { exact: true }).fill(alice.password);
    await page.getByRole('form', { name: 'Sign in' }).getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.shell[data-live="stream"]').waitFor({ timeout: 15_000 });
  }, 180_000);
  afterAll(async () => {
    await chromium?.close();
    await server?.stop();
  });

  const log = () => page.getByRole('log');
  /** The bubble whose own text is exactly `text` (a reply quoting it is another bubble). */
  const bubble = (text: string) =>
    log()
      .locator('.bubble-row')
      .filter({ has: page.locator('p').getByText(text, { exact: true }) });

  async function openChat(title: string) {
    await page.goto(`${server.url}/phone/#/chats`);
    await page.locator('.chat-row').filter({ hasText: title }).click();
    await log().waitFor();
  }

  it('reply, edit, delete for everyone and delete for me from the page; live edits, deletes and hides from elsewhere', async () => {
    const { chat, chatKey: aliceKey } = await startChat(alice.api, alice.session, {
      title: 'Actions',
      memberUsernames: [bob.session.username],
    });
    const chatId = chat.chatId;
    const bobKey = await chatKeyFor(bob.api, bob.session, await bob.api.call('getChat', { params: { chatId } }));
    const mine = await sendText(alice.api, alice.session, chatId, aliceKey, 'meet at 5');
    const question = await sendText(bob.api, bob.session, chatId, bobKey, 'where?');
    const later = await sendText(bob.api, bob.session, chatId, bobKey, 'bob will delete this');
    const oops = await sendText(alice.api, alice.session, chatId, aliceKey, 'wrong chat, sorry');
    const forMe = await sendText(bob.api, bob.session, chatId, bobKey, 'alice forgets this');
    const elsewhere = await sendText(bob.api, bob.session, chatId, bobKey, 'hidden on her other device');
    await openChat('Actions');
    await bubble('hidden on her other device').waitFor();

    // Reply to Bob's question: the quote rides inside the signed body.
    await bubble('where?').locator('button.bubble').click();
    await page.getByRole('dialog', { name: 'Message actions' }).getByRole('button', { name: 'Reply' }).click();
    await page
      .getByTestId('composer-context')
      .getByText(/Replying to .*where\?/)
      .waitFor();
    await page.getByPlaceholder('Message').fill('at the station');
    await page.keyboard.press('Enter');
    await bubble('at the station').getByTestId('quote').getByText('where?').waitFor();
    const bobsPage = (await bob.api.call('listMessages', { params: { chatId }, query: {} })).messages;
    const reply = bobsPage.find((m) => readMessage(m, bobKey).text === 'at the station')!;
    expect(readMessage(reply, bobKey).replyTo).toMatchObject({ messageId: question.messageId, text: 'where?' });

    // Edit my own message: "edited" here; Bob reads the signed edit.
    await bubble('meet at 5').locator('button.bubble').click();
    await page.getByRole('dialog', { name: 'Message actions' }).getByRole('button', { name: 'Edit' }).click();
    await page.getByPlaceholder('Message').fill('meet at 6');
    await page.getByRole('button', { name: 'Save edit' }).click();
    await bubble('meet at 6').getByText('edited').waitFor();
    const edited = (await bob.api.call('listMessages', { params: { chatId }, query: {} })).messages.find(
      (m) => m.messageId === mine.messageId,
    )!;
    expect(
      readEdit(
        bobKey,
        { chatId, messageId: mine.messageId, senderUserId: alice.session.userId },
        edited.edit,
        alice.session.signing!.publicKey,
      ),
    ).toMatchObject({ state: 'verified', text: 'meet at 6' });
    // Bob's message offers no Edit nor Delete for everyone.
    await bubble('where?').locator('button.bubble').click();
    const sheet = page.getByRole('dialog', { name: 'Message actions' });
    await sheet.getByRole('button', { name: 'Delete for me' }).waitFor();
    expect(await sheet.getByRole('button', { name: 'Edit' }).count()).toBe(0);
    expect(await sheet.getByRole('button', { name: 'Delete for everyone' }).count()).toBe(0);
    await sheet.getByRole('button', { name: 'Cancel' }).click();

    // Delete for everyone: a tombstone here and on the server; Bob gets no text back.
    await bubble('wrong chat, sorry').locator('button.bubble').click();
    await sheet.getByRole('button', { name: 'Delete for everyone' }).click();
    await page.getByRole('dialog', { name: 'Delete for everyone?' }).getByRole('button', { name: 'Delete' }).click();
    await log().locator('[data-deleted="true"]').getByText('This message was deleted').waitFor();
    expect(await bubble('wrong chat, sorry').count()).toBe(0);
    const tomb = (await bob.api.call('listMessages', { params: { chatId }, query: {} })).messages.find(
      (m) => m.messageId === oops.messageId,
    )!;
    expect(tomb).toMatchObject({ ciphertext: '' });
    expect(tomb.deletedAt).toBeTruthy();

    // Delete for me: gone here and from Alice's other device; Bob still has it.
    await bubble('alice forgets this').locator('button.bubble').click();
    await sheet.getByRole('button', { name: 'Delete for me' }).click();
    await bubble('alice forgets this').waitFor({ state: 'detached' });
    const alicesOther = (await alice.api.call('listMessages', { params: { chatId }, query: {} })).messages;
    expect(alicesOther.map((m) => m.messageId)).not.toContain(forMe.messageId);
    expect(
      (await bob.api.call('listMessages', { params: { chatId }, query: {} })).messages.map((m) => m.messageId),
    ).toContain(forMe.messageId);

    // Live from elsewhere: Bob edits and deletes, Alice's other device hides one.
    await editText(bob.api, bob.session, question, bobKey, 0, 'where exactly?');
    await bubble('where exactly?').getByText('edited').waitFor({ timeout: 10_000 });
    await deleteForEveryone(bob.api, later);
    await bubble('bob will delete this').waitFor({ state: 'detached', timeout: 10_000 });
    await deleteForMe(alice.api, elsewhere);
    await bubble('hidden on her other device').waitFor({ state: 'detached', timeout: 10_000 });

    // An edit its author didn't sign (the server's row rewritten: signed by Alice, claimed for Bob's message)
    // shows the original text, marked, after a reload.
    const forged = encryptMessageEdit(
      bobKey,
      chatId,
      question.messageId,
      2,
      signMessageEdit(
        alice.session.signing!,
        { chatId, messageId: question.messageId, senderUserId: bob.session.userId },
        2,
        { text: 'forged words', editedAt: Date.now() },
      ),
    );
    await server.server.deps.db.message.update({
      where: { id: question.messageId },
      data: { editVersion: 2, editCiphertext: forged, editedAt: new Date() },
    });
    await page.reload();
    const refused = log().locator('.bubble-row[data-edit="refused"]');
    await refused.getByText('edit refused').waitFor();
    await refused.getByText('where?', { exact: true }).waitFor();
    expect(await log().getByText('forged words').count()).toBe(0);
    await page.screenshot({ path: 'test-artifacts/phone/message-actions.png' });
    expect(problems).toEqual([]);
  }, 120_000);

  it('the chat info screen: members with their safety-number state, rename, add, remove, leave', async () => {
    const { chat } = await startChat(alice.api, alice.session, {
      title: 'Crew',
      memberUsernames: [bob.session.username],
    });
    const chatId = chat.chatId;
    await openChat('Crew');
    await page.getByRole('link', { name: 'Info' }).click();
    const members = page.getByRole('region', { name: 'Members' });
    await members.getByText('Members (2)').waitFor();
    await members.locator(`[data-member="${bob.session.username}"]`).getByText('Safety number not verified').waitFor();

    // Add Carol by exact username: a new key version she holds; an unknown name is a sentence.
    await members.getByLabel('Add someone (exact username)').fill('nobody_here_at_all');
    await members.getByRole('button', { name: 'Add member' }).click();
    await page.getByText('There is no one called "nobody_here_at_all" on this server.').waitFor();
    await members.getByLabel('Add someone (exact username)').fill(carol.session.username);
    await members.getByRole('button', { name: 'Add member' }).click();
    await members.getByText('Members (3)').waitFor();
    const carolsChat = await carol.api.call('getChat', { params: { chatId } });
    expect(carolsChat.keyVersion).toBe(2);

    // Rename: every member reads the new name under the current key.
    await page.getByLabel('Chat name').fill('Crew 2026');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByText('Renamed for everyone in the chat.').waitFor();
    const bobsKeys = await chatKeysFor(bob.api, bob.session, await bob.api.call('getChat', { params: { chatId } }));
    expect(readChatMeta(await bob.api.call('getChat', { params: { chatId } }), bobsKeys).title).toBe('Crew 2026');

    // Remove Bob: he no longer gets the chat.
    await members.locator(`[data-member="${bob.session.username}"]`).getByRole('button', { name: 'Remove' }).click();
    await page
      .getByRole('dialog', { name: /^Remove / })
      .getByRole('button', { name: 'Remove' })
      .click();
    await members.getByText('Members (2)').waitFor();
    await expect(bob.api.call('getChat', { params: { chatId } })).rejects.toMatchObject({ status: 404 });
    expect((await carol.api.call('getChat', { params: { chatId } })).keyVersion).toBe(3);

    // Leave: back on the list, without the chat; Carol's next write rotates first.
    await page.getByRole('button', { name: 'Leave chat' }).click();
    await page.getByRole('dialog', { name: 'Leave this chat?' }).getByRole('button', { name: 'Leave' }).click();
    await page.getByRole('list', { name: 'Chats', exact: true }).waitFor();
    expect(await page.locator('.chat-row').filter({ hasText: 'Crew 2026' }).count()).toBe(0);
    const left = await carol.api.call('getChat', { params: { chatId } });
    expect(left.members.map((m) => m.userId)).toEqual([carol.session.userId]);
    expect(left.rotationDue).toBe(true);
    expect(problems).toEqual([]);
  }, 120_000);

  it('mute, archive and delete for me: synced encrypted with Alice’s other device, both ways, live', async () => {
    const { chat, chatKey } = await startChat(alice.api, alice.session, {
      title: 'Quiet one',
      memberUsernames: [carol.session.username],
    });
    const chatId = chat.chatId;
    const carolKey = await chatKeyFor(
      carol.api,
      carol.session,
      await carol.api.call('getChat', { params: { chatId } }),
    );
    await sendText(alice.api, alice.session, chatId, chatKey, 'first words');
    await openChat('Quiet one');
    await page.getByRole('link', { name: 'Info' }).click();
    await page.getByLabel('Mute notifications').check();
    await page.getByText('Muted on all your devices.').waitFor();
    await page.getByLabel('Archive').check();
    await page.getByText('Archived on all your devices.').waitFor();

    // Alice's other device (signed in afresh) reads both.
    const other = await signIn(server.client(), {
      username: alice.session.username,
      password: alice.password,
      device: { name: 'other phone', platform: 'android' },
    });
    const otherSettings = new PhoneSettings(
      server.client(() => other.tokens.accessToken),
      other,
    );
    await otherSettings.refresh();
    expect(otherSettings.prefOf(chatId)).toEqual({ muted: true, archived: true });

    // The list: not in the main section; under Archived, marked muted.
    await page.goto(`${server.url}/phone/#/chats`);
    const archivedToggle = page.getByRole('button', { name: 'Archived (1)' });
    await archivedToggle.waitFor();
    expect(await page.getByRole('list', { name: 'Chats', exact: true }).getByText('Quiet one').count()).toBe(0);
    await archivedToggle.click();
    const archivedRow = page.getByRole('list', { name: 'Archived chats' }).locator('.chat-row').filter({
      hasText: 'Quiet one',
    });
    await archivedRow.getByLabel('Muted').waitFor();

    // Unarchived on the other device: back in the main list live (settings:sync), still muted.
    await otherSettings.setChatPref(chatId, { archived: false });
    await page
      .getByRole('list', { name: 'Chats', exact: true })
      .locator('.chat-row')
      .filter({ hasText: 'Quiet one' })
      .waitFor({
        timeout: 10_000,
      });

    // Delete for me: gone from the list; Carol's new message brings it back with only what came after.
    await openChat('Quiet one');
    await page.getByRole('link', { name: 'Info' }).click();
    await page.getByRole('button', { name: 'Delete chat for me' }).click();
    await page
      .getByRole('dialog', { name: 'Delete this chat for you?' })
      .getByRole('button', { name: 'Delete' })
      .click();
    await page.getByRole('heading', { name: 'Chats' }).waitFor();
    expect(await page.locator('.chat-row').filter({ hasText: 'Quiet one' }).count()).toBe(0);
    await otherSettings.refresh();
    expect(otherSettings.prefOf(chatId).deletedAt).toBeGreaterThan(0);
    await sendText(carol.api, carol.session, chatId, carolKey, 'are you there?');
    const back = page.locator('.chat-row').filter({ hasText: 'Quiet one' });
    await back.waitFor({ timeout: 10_000 });
    await back.click();
    await bubble('are you there?').waitFor();
    expect(await bubble('first words').count()).toBe(0);
    expect(problems).toEqual([]);
  }, 120_000);
});
