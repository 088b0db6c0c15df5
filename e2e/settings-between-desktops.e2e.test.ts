import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decryptUserSettings } from '../common/content';
import { initCrypto } from '../common/crypto';
import type { DesktopCore } from '../desktop/src/core/desktop-core';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { openDesktop, pairDesktop, until, untilProgress } from './support/desktop';
import { seedChats } from './support/seed';

/**
 * Two desktops of one user edit the shared settings (core.settings): edits of different fields both
 * survive a race (the loser of a 409 re-reads and re-applies), the other desktop follows live, and a
 * storage budget set in the settings applies on every desktop.
 */
describe('settings shared between two desktops', () => {
  let server: TestServer;
  let dirs: string[];
  let a: DesktopCore;
  let b: DesktopCore;
  let phone: Awaited<ReturnType<typeof signUpPhone>>;

  const onServer = async () => {
    const { settings } = await phone.api.call('getSettings', {});
    return settings ? decryptUserSettings(phone.session.masterKey, phone.session.userId, settings.ciphertext) : null;
  };

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
    phone = await signUpPhone(server, 'twodesk');
    await seedChats(server, phone.session, { chats: 6, messagesPerChat: () => 2 });
    dirs = [0, 1].map(() => mkdtempSync(path.join(os.tmpdir(), 'symc-twodesk-')));
    a = await openDesktop(dirs[0]!, await pairDesktop(server.url, phone, dirs[0]!));
    b = await openDesktop(dirs[1]!, await pairDesktop(server.url, phone, dirs[1]!));
    await Promise.all([a.start(), b.start()]);
    await Promise.all([untilProgress(a, (p) => p.primed), untilProgress(b, (p) => p.primed)]);
  }, 60_000);

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await server.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('an edit on one desktop reaches the other live, decrypted only there', async () => {
    const seen: string[] = [];
    const off = b.settings.onChange((s) => seen.push(s.theme ?? 'unset'));
    await a.settings.update({ theme: 'dark' });
    await until(() => b.settings.read().theme === 'dark', 10_000, 'the theme on desktop B');
    off();
    expect(seen).toContain('dark');
    expect(await onServer()).toEqual({ theme: 'dark' });
  });

  it('two desktops editing different fields at once: both edits survive', async () => {
    // B goes offline from the stream, so it does not hear A's write and edits from an older version.
    await b.engine.stop();
    await a.settings.update({ sendOnEnter: false });
    await b.settings.update({ notifications: 'none' }); // 409 stale_version → re-read → re-apply → saved
    expect(await onServer()).toEqual({ theme: 'dark', sendOnEnter: false, notifications: 'none' });
    expect(b.settings.read()).toEqual({ theme: 'dark', sendOnEnter: false, notifications: 'none' });
    b.engine.start();
    await until(() => a.settings.read().notifications === 'none', 10_000, 'B’s edit on desktop A');
  });

  it('a storage budget in the settings applies on every desktop, evicting beyond it', async () => {
    expect(b.store.stats(b.engine.getBudget()).chats).toBe(6);
    await a.settings.update({ desktopBudget: { maxChats: 2, maxMegabytes: 50 } });
    expect(a.engine.getBudget()).toEqual({ maxChats: 2, maxBytes: 50 * 1024 * 1024 });
    await until(() => b.engine.getBudget().maxChats === 2, 10_000, 'the budget on desktop B');
    expect(b.store.stats(b.engine.getBudget()).chats).toBe(2);
    expect(a.store.stats(a.engine.getBudget()).chats).toBe(2);
  });
});
