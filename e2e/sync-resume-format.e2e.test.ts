import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initCrypto } from '../common/crypto';
import type { DesktopCore } from '../desktop/src/core/desktop-core';
import type { ParsedEvent } from '../desktop/src/core/sync/event-applier';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { openDesktop, pairDesktop, untilProgress } from './support/desktop';
import { markOpened, seedChats } from './support/seed';

/**
 * Fresh-sync positions count from each chat's newest message (`h…`). Servers before that streamed oldest
 * first and wrote `f…` positions whose offset counts from the other end: a desktop that comes back with
 * one (the server was upgraded during its first sync) must start over, not skip the wrong messages.
 */
describe('resuming a fresh sync by its stored position', () => {
  let server: TestServer;
  let dir: string;
  let core: DesktopCore | null = null;

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer({ SYNC_BATCH_MESSAGES: '5' });
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-resume-format-'));
  });
  afterAll(async () => {
    await core?.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an h… position resumes; an f… position of the same plan starts a new fresh sync; both end complete', async () => {
    const phone = await signUpPhone(server, 'resumer');
    const chats = await seedChats(server, phone.session, { chats: 4, messagesPerChat: () => 12 });
    await markOpened(server, phone.session, chats[1]!.chatId);
    const vault = await pairDesktop(server.url, phone, dir);

    const syncFrom = async (lastEventId: string | null) => {
      core = await openDesktop(dir, vault);
      const events: ParsedEvent[] = [];
      core.engine.onEvents((run) => events.push(...run));
      if (lastEventId !== null) {
        core.store.transaction(() => {
          core!.store.setState('last_event_id', lastEventId);
          core!.store.setState('cursor', '');
        });
      }
      await core.start();
      await untilProgress(core, (p) => p.primed);
      const messages = core.store.allMessageIds().length;
      await core.stop();
      core = null;
      const connected = events.find((e) => e.name === 'connected');
      return { mode: connected?.name === 'connected' ? connected.payload.mode : null, messages };
    };

    expect(await syncFrom(null)).toEqual({ mode: 'fresh', messages: 48 });
    const { syncPlanSeq } = await server.server.deps.db.device.findFirstOrThrow({
      where: { userId: phone.session.userId, kind: 'desktop' },
    });
    expect(await syncFrom(`h${syncPlanSeq}:2:5`)).toEqual({ mode: 'resume-fresh', messages: 48 });
    expect(await syncFrom(`f${syncPlanSeq}:2:5`)).toEqual({ mode: 'fresh', messages: 48 });
  });
});
