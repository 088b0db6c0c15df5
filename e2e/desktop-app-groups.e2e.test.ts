import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { initCrypto } from '../common/crypto';
import { openChat, readMeta } from '../common/trust/group-actions';
import { readMessage } from '../mobile-pairing/src/core/chats';
import { phoneContacts } from '../mobile-pairing/src/core/contacts';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { ensureDesktopBuild, type RunningDesktopApp, startDesktopApp, approveFromScreen } from './support/desktop-app';
import { openDesktopPage, stopInOrder } from './support/app-in-chromium';
import type { PhoneBrowser } from './support/phone-web';

type Phone = Awaited<ReturnType<typeof signUpPhone>>;

/**
 * Groups in the desktop app, as a user does them (Chromium): New chat (a group with a name, and a clear
 * refusal for an unknown username), the members panel (safety-number state, add, remove, rename), a
 * message under the newest key version, and leaving. Each step is checked on the other members' phone cores.
 */
describe('the desktop app: new chat and members (Chromium)', () => {
  let server: TestServer;
  let desktop: RunningDesktopApp;
  let chromium: PhoneBrowser;
  let page: Page;
  let dir: string;
  let me: Phone;
  let alice: Phone;
  let carol: Phone;
  let dave: Phone;
  let chatId: string;
  let problems: string[];

  const call = (p: Phone) => ((name: never, input: never) => p.api.call(name, input)) as never;
  const seenBy = async (p: Phone) => {
    const summary = await p.api.call('getChat', { params: { chatId } });
    const opened = await openChat(call(p), p.session, await phoneContacts(p.api, p.session), summary);
    return { ...opened, title: readMeta(summary, opened.keys).title };
  };
  const members = () => page.getByRole('list', { name: 'Members' });

  beforeAll(async () => {
    ensureDesktopBuild();
    await initCrypto();
    server = await startTestServer();
    me = await signUpPhone(server, 'groupsui');
    alice = await signUpPhone(server, 'gualice');
    carol = await signUpPhone(server, 'gucarol');
    dave = await signUpPhone(server, 'gudave');
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-app-groups-'));
    desktop = await startDesktopApp(server.url, dir);
    ({ chromium, page, problems } = await openDesktopPage(
      { viewport: { width: 1100, height: 800 } },
      { consoleErrors: false },
    ));
  }, 240_000);
  afterAll(() => stopInOrder([chromium, desktop, server], [dir]));

  it('links', async () => {
    await page.goto(desktop.host.url);
    await approveFromScreen(page, me);
    await page.getByRole('button', { name: 'New chat' }).waitFor({ timeout: 30_000 });
  }, 90_000);

  it('refuses an unknown username with a sentence, then starts a named group', async () => {
    await page.getByRole('button', { name: 'New chat' }).click();
    const dialog = page.getByRole('dialog', { name: 'New chat' });
    await dialog.getByLabel('Usernames').fill('nobody_by_this_name');
    await dialog.getByRole('button', { name: 'Start chat' }).click();
    await dialog
      .getByRole('alert')
      .getByText('There is no one called "nobody_by_this_name" on this server.')
      .waitFor({ timeout: 15_000 });

    await dialog.getByLabel('Usernames').fill(`${alice.session.username}, @${carol.session.username}`);
    await dialog.getByRole('button', { name: 'Start group' }).click();
    await dialog.getByRole('alert').getByText('Name the group: everyone in it sees the name.').waitFor();
    await dialog.getByLabel('Group name').fill('Climbing trip');
    await dialog.getByRole('button', { name: 'Start group' }).click();
    await page.getByRole('heading', { level: 2, name: 'Climbing trip', exact: true }).waitFor({ timeout: 15_000 });
    await dialog.waitFor({ state: 'detached' });

    chatId = (await alice.api.call('listChats', {})).chats[0]!.chatId;
    const seen = await seenBy(alice);
    expect(seen.title).toBe('Climbing trip');
    expect([...seen.membership.members].sort()).toEqual(
      [me.session.userId, alice.session.userId, carol.session.userId].sort(),
    );
  }, 60_000);

  it('shows the members with their safety-number state, and adds, removes and renames', async () => {
    await page.getByRole('button', { name: 'Members' }).click();
    await members().getByText(alice.session.username).waitFor({ timeout: 15_000 });
    expect(await members().getByRole('listitem').count()).toBe(3);
    await members().getByRole('listitem').filter({ hasText: me.session.username }).getByText('you').waitFor();
    await members()
      .getByRole('listitem')
      .filter({ hasText: alice.session.username })
      .getByText('not verified')
      .waitFor();

    await page.getByLabel('Add people').fill(dave.session.username);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await members().getByText(dave.session.username).waitFor({ timeout: 15_000 });
    expect((await seenBy(dave)).membership.keyVersion).toBe(2);

    await page.getByRole('button', { name: `Remove ${carol.session.username}` }).click();
    await members().getByText(carol.session.username).waitFor({ state: 'detached', timeout: 15_000 });
    const afterRemoval = await seenBy(alice);
    expect(afterRemoval.membership.keyVersion).toBe(3);
    expect(afterRemoval.membership.members).not.toContain(carol.session.userId);

    await page.getByLabel('Chat name').fill('Climbing trip, day 2');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page
      .getByRole('heading', { level: 2, name: 'Climbing trip, day 2', exact: true })
      .waitFor({ timeout: 15_000 });
    expect((await seenBy(dave)).title).toBe('Climbing trip, day 2');
  }, 90_000);

  it('sends under the newest key version, and leaves', async () => {
    const composer = page.getByRole('textbox', { name: 'Message' });
    await composer.fill('Ropes are packed');
    await composer.press('Enter');
    await page
      .getByRole('article')
      .filter({ hasText: 'Ropes are packed' })
      .getByRole('img', { name: /^(Sent|Delivered|Read)$/ })
      .waitFor({ timeout: 15_000 });
    const { keys } = await seenBy(alice);
    const page1 = await alice.api.call('listMessages', { params: { chatId }, query: {} });
    expect(page1.messages.map((m) => [readMessage(m, keys).text, m.keyVersion])).toEqual([['Ropes are packed', 3]]);

    await page.getByRole('button', { name: 'Leave chat' }).click();
    await page.getByRole('button', { name: 'Leave for good' }).click();
    // Gone from the list (its only chat: the list says so) and from the screen.
    await page.getByText('No chats on this desktop yet.').waitFor({ timeout: 15_000 });
    await page.getByRole('heading', { level: 2, name: 'Climbing trip, day 2' }).waitFor({ state: 'detached' });
    const summary = await alice.api.call('getChat', { params: { chatId } });
    expect(summary.members.map((m) => m.userId)).not.toContain(me.session.userId);
    expect(summary.rotationDue).toBe(true);
    expect(problems).toEqual([]);
  }, 60_000);
});
