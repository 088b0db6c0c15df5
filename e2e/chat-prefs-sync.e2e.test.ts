import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chatPrefOf, withChatPref } from '../common/content';
import { initCrypto } from '../common/crypto';
import type { DesktopCore } from '../desktop/src/core/desktop-core';
import { PhoneSettings } from '../mobile-pairing/src/core/chat-prefs';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { linkAndSync, until } from './support/desktop';

const CHAT_A = '0190a0a0-0000-7000-8000-0000000000aa';
const CHAT_B = '0190a0a0-0000-7000-8000-0000000000bb';

/** Chat prefs between a phone and a desktop core of one account (docs/MESSAGES.md "Chat preferences"). */
describe('chat prefs between the phone and a desktop of one account', () => {
  let server: TestServer;
  let desktop: DesktopCore;
  let dir: string;
  let phone: Awaited<ReturnType<typeof signUpPhone>>;

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
    phone = await signUpPhone(server, 'prefsync');
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-prefs-sync-'));
    desktop = await linkAndSync(server.url, phone, dir, []);
  });
  afterAll(async () => {
    await desktop?.stop().catch(() => undefined);
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the phone’s mute reaches the desktop live; the desktop’s archive reaches the phone; neither loses the other’s', async () => {
    const settings = new PhoneSettings(phone.api, phone.session);
    await settings.refresh();
    await settings.setChatPref(CHAT_A, { muted: true });
    await until(() => chatPrefOf(desktop.settings.read(), CHAT_A).muted === true, 10_000, 'the mute on the desktop');

    // Written at once from both: whichever loses the race re-applies its change on the other's settings.
    await Promise.all([
      desktop.settings.update((s) => withChatPref(s, CHAT_B, { archived: true })),
      settings.setChatPref(CHAT_A, { archived: true }),
    ]);
    await settings.refresh();
    const expected = { [CHAT_A]: { muted: true, archived: true }, [CHAT_B]: { archived: true } };
    expect(settings.read().chatPrefs).toEqual(expected);
    await until(
      () => JSON.stringify(desktop.settings.read().chatPrefs) === JSON.stringify(settings.read().chatPrefs),
      10_000,
      'the same prefs on the desktop',
    );
    expect(desktop.settings.read().chatPrefs).toEqual(expected);
  }, 60_000);
});
