import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ApiClient } from '../common/contract';
import { initCrypto } from '../common/crypto';
import { DesktopCore } from '../desktop/src/core/desktop-core';
import { FileKeyVault } from '../desktop/src/core/keys/file-key-vault';
import { DesktopPairing } from '../desktop/src/core/pairing/desktop-pairing';
import { loadCredentials } from '../desktop/src/core/session/credentials';
import type { SessionEvent } from '../desktop/src/core/session/device-session';
import type { ParsedEvent } from '../desktop/src/core/sync/event-applier';
import type { PhoneSession } from '../mobile-pairing/src/core/account';
import { approvePairing, lookupPairing, parsePairingInput } from '../mobile-pairing/src/core/pairing';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { pairDesktop, until, untilProgress } from './support/desktop';
import { type SeededChat, seedChats, sendSeeded } from './support/seed';

type Phone = { session: PhoneSession; api: ApiClient };

/**
 * A desktop whose session expired keeps its store; linked again by the same account it proves that to
 * itself (the fingerprint of the master key in its store, never the server's word) and catches up only
 * what changed while it was away. Another account's approval — or a server claiming "same account" for
 * another account's keys — erases it first. An unlink during the relink ends it cleanly.
 */
describe('relink that catches up', () => {
  let server: TestServer;
  const dirs: string[] = [];
  const cores: DesktopCore[] = [];

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer({ SSE_HEARTBEAT_SECONDS: '1' });
  });
  afterAll(async () => {
    for (const core of cores) await core.stop().catch(() => undefined);
    await server.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** Every message record that reached the desktop on its stream (history batches and live events). */
  function countDownloads(core: DesktopCore): Map<string, number> {
    const seen = new Map<string, number>();
    core.engine.onEvents((events: readonly ParsedEvent[]) => {
      for (const event of events) {
        const records =
          event.name === 'message:sync'
            ? event.payload.messages
            : event.name === 'message:new'
              ? [event.payload.message]
              : [];
        for (const record of records) seen.set(record.messageId, (seen.get(record.messageId) ?? 0) + 1);
      }
    });
    return seen;
  }

  async function open(dir: string, vault: FileKeyVault, justLinked: boolean) {
    const core = await DesktopCore.open({ dataDir: dir, vault, justLinked, backoff: { initialMs: 20, maxMs: 100 } });
    if (!core) throw new Error('not linked');
    cores.push(core);
    const ends: SessionEvent[] = [];
    core.session.onEvent((event) => ends.push(event));
    const downloads = countDownloads(core);
    const modes: string[] = [];
    core.engine.onEvents((events) => {
      for (const event of events) if (event.name === 'connected') modes.push(event.payload.mode);
    });
    return { core, ends, downloads, modes };
  }

  /** An account with two chats, a desktop linked and synced, then its session expired (store kept). */
  async function expiredDesktop(name: string) {
    const dir = mkdtempSync(path.join(os.tmpdir(), `symc-relink-${name}-`));
    dirs.push(dir);
    const phone = await signUpPhone(server, name);
    const chats = await seedChats(server, phone.session, { chats: 2, messagesPerChat: () => 30 });
    const vault = await pairDesktop(server.url, phone, dir);
    const first = await open(dir, vault, true);
    await first.core.start();
    await untilProgress(first.core, (p) => p.connection === 'connected' && p.primed);
    const before = new Set(first.core.store.allMessageIds());
    expect(before.size).toBe(60);
    const past = new Date(Date.now() - 1000);
    await server.server.deps.db.session.updateMany({
      where: { deviceId: first.core.session.deviceId },
      data: { accessExpiresAt: past, refreshExpiresAt: past },
    });
    first.core.engine.dropConnection();
    await until(() => first.ends.length > 0, 10_000, 'the session end');
    expect(first.ends).toEqual([{ type: 'expired' }]);
    await first.core.stopSyncing();
    // The keys are gone; the store stays on disk for a relink.
    expect(await loadCredentials(vault)).toBeNull();
    expect(DesktopCore.holdsKeptStore(dir)).toBe(true);
    return { dir, phone, chats, before, oldDeviceId: first.core.session.deviceId };
  }

  it('the same account relinks: the store is kept and only what was sent while away is downloaded', async () => {
    const { dir, phone, chats, before } = await expiredDesktop('same');
    // While the desktop is away: messages in a chat it has, and a new chat.
    const away = [] as string[];
    for (let i = 0; i < 5; i++) away.push(await sendSeeded(server, phone.session, chats[0]!, `away ${i}`));
    const [newChat] = await seedChats(server, phone.session, { chats: 1, messagesPerChat: () => 0 });
    for (let i = 0; i < 4; i++) away.push(await sendSeeded(server, phone.session, newChat!, `new chat ${i}`));

    const vault = await pairDesktop(server.url, phone, dir);
    const again = await open(dir, vault, true);
    expect(again.core.storeClaim).toBe('same');
    await again.core.start();
    await until(() => again.core.store.hasChat(newChat!.chatId) && again.core.store.allMessageIds().length === 69);

    // Caught up from its position (a live resume, no fresh plan), nothing lost, nothing twice.
    expect(again.modes[0]).toBe('live');
    const stored = new Set(again.core.store.allMessageIds());
    for (const id of [...before, ...away]) expect(stored.has(id)).toBe(true);
    const downloaded = [...again.downloads.keys()];
    expect(downloaded.filter((id) => before.has(id))).toEqual([]);
    expect([...again.downloads.values()].every((n) => n === 1)).toBe(true);
    expect(downloaded.length).toBe(9); // 5 in the old chat, 4 in the new one
    // The kept chats still open with the account's keys: the reader decrypts an old and a new message.
    const page = (await again.core.reader.page(chats[0]!.chatId, 100)) ?? [];
    expect(page.map((m) => m.text)).toEqual(expect.arrayContaining(['message 0 of chat 0', 'away 4']));
  });

  it('unlinked by the server after 30 days without use: the store is kept, and the same account catches up', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'symc-relink-inactive-'));
    dirs.push(dir);
    const phone = await signUpPhone(server, 'inactive');
    const [chat] = await seedChats(server, phone.session, { chats: 1, messagesPerChat: () => 10 });
    const vault = await pairDesktop(server.url, phone, dir);
    const first = await open(dir, vault, true);
    await first.core.start();
    await untilProgress(first.core, (p) => p.connection === 'connected' && p.primed);
    const deviceId = first.core.session.deviceId;
    await first.core.stop(); // the desktop is closed
    cores.splice(cores.indexOf(first.core), 1);
    await until(() => !server.server.deps.streams.openDevices().includes(deviceId), 10_000, 'its stream closed');
    // 31 days unseen: the server's sweep unlinks it ("inactive").
    await server.server.deps.db.device.update({
      where: { id: deviceId },
      data: { lastSeenAt: new Date(Date.now() - 31 * 86_400_000) },
    });
    expect(await server.server.inactivity.sweep()).toContain(deviceId);
    const away = await sendSeeded(server, phone.session, chat!, 'while unlinked');

    // Its next start learns it (403 device_revoked, reason inactive): "expired", the store kept.
    const back = await open(dir, vault, false);
    await back.core.start();
    await until(() => back.ends.length > 0, 10_000, 'the session end');
    expect(back.ends).toEqual([{ type: 'expired' }]);
    await back.core.stopSyncing();
    expect(DesktopCore.holdsKeptStore(dir)).toBe(true);

    const again = await open(dir, await pairDesktop(server.url, phone, dir), true);
    expect(again.core.storeClaim).toBe('same');
    await again.core.start();
    await until(() => again.core.store.allMessageIds().includes(away), 15_000, 'the message sent while unlinked');
    expect(again.modes[0]).toBe('live');
    expect([...again.downloads.entries()]).toEqual([[away, 1]]);
    expect(again.core.store.allMessageIds()).toHaveLength(11);
  });

  it('a position older than the change log keeps: a fresh plan, the kept store is not mixed up, nothing lost', async () => {
    const { dir, phone, chats, before } = await expiredDesktop('stale');
    const away = await sendSeeded(server, phone.session, chats[1]!, 'after the log was trimmed');
    // Retention (simulated): the log no longer reaches back to the desktop's position.
    const { lastSeq } = await server.server.deps.db.user.findUniqueOrThrow({ where: { id: phone.session.userId } });
    await server.server.deps.db.changeLog.deleteMany({
      where: { userId: phone.session.userId, seq: { lte: lastSeq } },
    });

    const vault = await pairDesktop(server.url, phone, dir);
    const again = await open(dir, vault, true);
    expect(again.core.storeClaim).toBe('same');
    await again.core.start();
    await until(() => again.core.store.allMessageIds().length === 61, 20_000, 'the fresh plan');
    expect(again.modes[0]).toBe('fresh');
    const stored = new Set(again.core.store.allMessageIds());
    expect(stored.size).toBe(61);
    for (const id of [...before, away]) expect(stored.has(id)).toBe(true);
    // The fresh plan reused the kept store: only the message it lacked came down, once.
    expect([...again.downloads.entries()]).toEqual([[away, 1]]);
    expect(again.core.store.getState('held_history')).toBe('');
  });

  it('another account approves: the kept store is erased before anything of the new account is written', async () => {
    const { dir, chats, before } = await expiredDesktop('other');
    const other = await signUpPhone(server, 'stranger');
    const [strangerChat] = await seedChats(server, other.session, { chats: 1, messagesPerChat: () => 3 });

    const vault = await pairDesktop(server.url, other, dir);
    const again = await open(dir, vault, true);
    expect(again.core.storeClaim).toBe('wiped');
    await again.core.start();
    await untilProgress(again.core, (p) => p.primed);
    expectOnly(again.core, chats, before, [strangerChat!]);
    expect(again.core.store.allMessageIds()).toHaveLength(3);
  });

  it('a server that claims "same account" for another account’s keys: the store is erased all the same', async () => {
    const { dir, phone, chats, before } = await expiredDesktop('liar');
    const other = await signUpPhone(server, 'liarsfriend');
    const [strangerChat] = await seedChats(server, other.session, { chats: 1, messagesPerChat: () => 2 });
    // The other account's phone hands over its own master key under the first account's user id, and the
    // server backs the claim (it names the first account in its confirm answer): every name says "same".
    const claimed = phone.session.userId;
    const lying: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).endsWith('/auth/qr-confirm')) return response;
      const body = (await response.json()) as Record<string, unknown>;
      if (body.status === 'approved') body.userId = claimed;
      return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
    };
    const vault = await pairWith(dir, other, { ...other.session, userId: claimed }, lying);
    expect((await loadCredentials(vault))?.userId).toBe(claimed);

    const again = await open(dir, vault, true);
    expect(again.core.storeClaim).toBe('wiped');
    await again.core.start();
    await untilProgress(again.core, (p) => p.primed);
    expectOnly(again.core, chats, before, [strangerChat!]);
  });

  it('unlinked by the phone during the relink: the catch-up stops, everything is wiped, nothing more is asked', async () => {
    const { dir, phone, chats } = await expiredDesktop('revoked');
    for (let i = 0; i < 3; i++) await sendSeeded(server, phone.session, chats[0]!, `away ${i}`);
    const vault = await pairDesktop(server.url, phone, dir);
    const again = await open(dir, vault, true);
    expect(again.core.storeClaim).toBe('same');
    const deviceId = again.core.session.deviceId;
    await again.core.start();
    await phone.api.call('revokeDevice', { params: { deviceId } });
    await until(() => again.ends.length > 0, 10_000, 'the session end');
    expect(again.ends).toEqual([{ type: 'revoked' }]);
    await until(() => again.core.progress.connection === 'revoked' || again.core.progress.connection === 'stopped');
    expect(await loadCredentials(vault)).toBeNull();
    expect(existsSync(DesktopCore.databaseFile(dir))).toBe(false);
  });

  /** The store holds none of the first account's chats or messages, and every chat in `allowed`. */
  function expectOnly(core: DesktopCore, old: SeededChat[], oldMessages: Set<string>, allowed: SeededChat[]) {
    for (const chat of old) expect(core.store.hasChat(chat.chatId)).toBe(false);
    const stored = core.store.allMessageIds();
    expect(stored.filter((id) => oldMessages.has(id))).toEqual([]);
    for (const chat of allowed) expect(core.store.hasChat(chat.chatId)).toBe(true);
  }

  /** The QR flow with a chosen phone session for the bundle and a fetch for the desktop (a lying server). */
  async function pairWith(dir: string, phone: Phone, bundleSession: PhoneSession, desktopFetch: typeof fetch) {
    mkdirSync(dir, { recursive: true });
    const vault = new FileKeyVault(path.join(dir, 'keys'));
    const pairing = new DesktopPairing({
      serverUrl: server.url,
      vault,
      deviceName: 'Relinked desktop',
      platform: 'linux',
      fetch: desktopFetch,
    });
    const approved = new Promise<void>((resolve, reject) => {
      pairing.subscribe((state) => {
        if (state.kind !== 'showing') return;
        lookupPairing(phone.api, parsePairingInput(state.link))
          .then((pending) => approvePairing(phone.api, bundleSession, pending))
          .then(resolve, reject);
      });
    });
    const final = await pairing.start();
    await approved;
    if (final.kind !== 'paired') throw new Error(`pairing ended ${final.kind}`);
    return vault;
  }
});
