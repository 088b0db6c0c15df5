import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initCrypto } from '../common/crypto';
import type { DesktopCore } from '../desktop/src/core/desktop-core';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { openDesktop, pairDesktop, until, untilProgress } from './support/desktop';
import { seedChats } from './support/seed';

/**
 * The desktop's disk fills up during a first sync. SQLite's max_page_count caps the store's file for this
 * connection, which is exactly what a full disk looks like to SQLite (SQLITE_FULL) — portable, no tmpfs.
 */
describe('a full disk on the desktop during a sync', () => {
  let server: TestServer;
  let dir: string;
  let core: DesktopCore;

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer({ SYNC_BATCH_MESSAGES: '50' });
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-disk-full-'));
  });
  afterAll(async () => {
    await core?.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says so clearly, backs off instead of spinning, corrupts nothing, and resumes when space is back', async () => {
    const phone = await signUpPhone(server, 'diskfull');
    await seedChats(server, phone.session, {
      chats: 4,
      messagesPerChat: () => 100,
      textOf: (c, i) => `message ${c}-${i} ${'padding '.repeat(20)}`,
    });
    core = await openDesktop(dir, await pairDesktop(server.url, phone, dir));
    core.store.capGrowth(40);
    const errors: string[] = [];
    let connects = 0;
    core.engine.onProgress((p) => {
      if (p.lastError) errors.push(p.lastError);
      if (p.connection === 'connecting') connects++;
    });
    core.start();

    await until(() => errors.some((e) => /disk is full/.test(e)), 20_000, 'the disk-full error');
    expect(errors.find((e) => /disk is full/.test(e))).toBe(
      'The disk is full: synced messages cannot be saved on this computer. Free some space; syncing resumes by itself.',
    );
    // Backoff, not a reconnect storm re-downloading history in a tight loop.
    const before = connects;
    await new Promise((r) => setTimeout(r, 1_000));
    expect(connects - before).toBeLessThan(15);
    expect(core.engine.progress.primed).toBe(false);
    // Nothing half-written: SQLite's own check, and what is stored is whole (no message without its chat).
    expect(core.store.problems()).toEqual([]);

    // Space is back: the sync completes from where it stood, with every message exactly once.
    core.store.capGrowth(null);
    await untilProgress(core, (p) => p.primed, 30_000);
    const local = core.store.allMessageIds();
    const remote = await server.server.deps.db.message.findMany({
      where: { chat: { members: { some: { userId: phone.session.userId } } } },
      select: { id: true },
    });
    expect(new Set(local).size).toBe(local.length);
    expect([...local].sort()).toEqual(remote.map((m) => m.id).sort());
    expect(core.store.problems()).toEqual([]);
  }, 90_000);
});
