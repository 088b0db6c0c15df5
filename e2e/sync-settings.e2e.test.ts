import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encryptUserSettings, type UserSettings } from '../common/content';
import { initCrypto } from '../common/crypto';
import type { DesktopCore } from '../desktop/src/core/desktop-core';
import type { ParsedEvent } from '../desktop/src/core/sync/event-applier';
import { readUserSettings, storedSettings } from '../desktop/src/core/store/user-settings';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { linkAndSync, until } from './support/desktop';
import { markOpened, seedChats } from './support/seed';

/** DESIGN "Sync": the user's settings (encrypted under MK) travel between phase 2 and phase 3, then live. */
describe('settings in the phased sync', () => {
  let server: TestServer;
  let dir: string;
  let core: DesktopCore;
  let phone: Awaited<ReturnType<typeof signUpPhone>>;
  const events: ParsedEvent[] = [];
  const put = async (settings: UserSettings, baseVersion: number) =>
    phone.api.call('putSettings', {
      body: { ciphertext: encryptUserSettings(phone.session.masterKey, phone.session.userId, settings), baseVersion },
    });

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer({ SYNC_BATCH_MESSAGES: '4' });
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-settings-'));
    phone = await signUpPhone(server, 'settings');
    const chats = await seedChats(server, phone.session, { chats: 14, messagesPerChat: () => 3 });
    await markOpened(server, phone.session, chats[2]!.chatId);
    await put({ theme: 'dark', notifications: 'mentions' }, 0);
    core = await linkAndSync(server.url, phone, dir, events);
  }, 60_000);

  afterAll(async () => {
    await core?.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a fresh desktop gets the settings right after phase 2 is ready and before any phase-3 history', () => {
    const names = events.map((e) => (e.name === 'message:sync' ? `batch${e.payload.phase}` : e.name));
    const settingsAt = names.indexOf('settings:sync');
    expect(names.filter((n) => n === 'settings:sync')).toHaveLength(1);
    expect(names[settingsAt - 1]).toBe('phase_2_last_10_chats_ready');
    expect(names.slice(settingsAt + 1)).toContain('batch3');
    expect(names.slice(0, settingsAt)).not.toContain('batch3');
  });

  it('the desktop stores the envelope as sent and decrypts it only on demand', () => {
    const stored = storedSettings(core.store);
    expect(stored).toMatchObject({ version: 1, updatedByDeviceId: phone.session.deviceId });
    const file = new Database(core.store.file, { readonly: true });
    const raw = file.prepare("SELECT value FROM settings WHERE key = 'user_settings'").get() as { value: string };
    file.close();
    expect(raw.value).not.toContain('mentions');
    expect(readUserSettings(core.store, core.session.masterKey, core.session.userId)).toEqual({
      theme: 'dark',
      notifications: 'mentions',
    });
  });

  it('a change made on the phone reaches the desktop live, and a stale write from another device is refused', async () => {
    await put({ theme: 'light', notifications: 'all' }, 1);
    await until(() => storedSettings(core.store)?.version === 2, 10_000, 'the new settings on the desktop');
    expect(readUserSettings(core.store, core.session.masterKey, core.session.userId)).toEqual({
      theme: 'light',
      notifications: 'all',
    });
    const liveEvent = events.filter((e) => e.name === 'settings:sync').at(-1);
    expect(liveEvent?.id).toMatch(/^\d+$/);
    await expect(put({ theme: 'dark' }, 1)).rejects.toMatchObject({ status: 409, code: 'stale_version' });
  });
});
