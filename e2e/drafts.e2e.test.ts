import { readFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type ApiClient, createApiClient } from '../common/contract';
import { initCrypto } from '../common/crypto';
import { DRAFT_DEBOUNCE_MS, DraftTooLongError } from '../desktop/src/core/drafts/desktop-drafts';
import { type PhoneSession, signIn } from '../mobile-pairing/src/core/account';
import { startChat } from '../mobile-pairing/src/core/chats';
import { PhoneDrafts } from '../mobile-pairing/src/core/drafts';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { CuttingProxy } from './support/cutting-proxy';
import { openDesktop, pairDesktop, until, untilProgress } from './support/desktop';
import { seededRandom } from './support/random';
import { DesktopCore as Core } from '../desktop/src/core/desktop-core';

/**
 * Drafts across real devices on the real server: a desktop core and two phones (the phone library), each
 * behind its own cutting proxy so any of them can be taken offline.
 */

const DEBOUNCE = 25;

interface Phone {
  readonly session: PhoneSession;
  readonly proxy: CuttingProxy;
  readonly drafts: PhoneDrafts;
}

async function phoneVia(server: TestServer, session: PhoneSession): Promise<Phone> {
  const proxy = await new CuttingProxy(server.server.port).start();
  const client: ApiClient = createApiClient({ baseUrl: proxy.url, accessToken: () => session.tokens.accessToken });
  return { session, proxy, drafts: new PhoneDrafts({ client, session, debounceMs: DEBOUNCE }) };
}

/** Every byte the desktop keeps on disk for its store (database, WAL). */
function desktopBytes(dir: string): string {
  const file = Core.databaseFile(dir);
  return ['', '-wal', '-shm']
    .map((s) => (existsSync(file + s) ? readFileSync(file + s).toString('latin1') : ''))
    .join('');
}

async function setUp(env: Record<string, string> = {}) {
  await initCrypto();
  const server = await startTestServer(env);
  const desktopProxy = await new CuttingProxy(server.server.port).start();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'symc-drafts-'));
  const owner = await signUpPhone(server, 'drafts');
  const { chat } = await startChat(owner.api, owner.session, { title: 'Drafts', memberUsernames: [] });
  const viaProxy = {
    session: owner.session,
    api: createApiClient({ baseUrl: desktopProxy.url, accessToken: () => owner.session.tokens.accessToken }),
  };
  const vault = await pairDesktop(desktopProxy.url, viaProxy, dir);
  const core = await Core.open({
    dataDir: dir,
    vault,
    backoff: { initialMs: 20, maxMs: 200 },
    draftDebounceMs: DEBOUNCE,
  });
  if (!core) throw new Error('not linked');
  await core.start();
  await untilProgress(core, (p) => p.primed);
  const phoneA = await phoneVia(server, owner.session);
  const second = await signIn(server.client(), {
    username: owner.session.username,
    password: owner.password,
    device: { name: 'B', platform: 'android' },
  });
  const phoneB = await phoneVia(server, second);
  return { server, desktopProxy, dir, core, vault, owner, chatId: chat.chatId, phoneA, phoneB };
}

async function tearDown(ctx: Awaited<ReturnType<typeof setUp>>): Promise<void> {
  await ctx.core.stop().catch(() => undefined);
  for (const p of [ctx.phoneA, ctx.phoneB]) {
    p.drafts.close();
    await p.proxy.stop();
  }
  await ctx.desktopProxy.stop();
  await ctx.server.stop();
  rmSync(ctx.dir, { recursive: true, force: true });
}

describe('drafts that follow the user across devices', () => {
  let ctx: Awaited<ReturnType<typeof setUp>>;
  beforeAll(async () => {
    ctx = await setUp({ MAX_DRAFT_CHARS: '500' });
  });
  afterAll(() => tearDown(ctx));

  const goOffline = async (offline: boolean) => {
    ctx.desktopProxy.setOffline(offline);
    await until(
      () => (ctx.core.engine.progress.connection === 'connected') === !offline,
      10_000,
      offline ? 'offline' : 'online',
    );
  };

  it('saves 1.2 s after the last keystroke by default; the delay is injectable', async () => {
    expect(DRAFT_DEBOUNCE_MS).toBe(1200);
    const defaultsDir = mkdtempSync(path.join(os.tmpdir(), 'symc-drafts-default-'));
    const defaults = await openDesktop(defaultsDir, ctx.vault);
    expect(defaults.drafts.debounceMs).toBe(1200);
    defaults.drafts.edit(ctx.chatId, 'not yet');
    expect(defaults.store.getDraft(ctx.chatId)).toBeNull(); // nothing saved before the delay
    expect(defaults.drafts.read(ctx.chatId)).toBe('not yet'); // but shown while typing
    defaults.drafts.dispose();
    defaults.store.close();
    rmSync(defaultsDir, { recursive: true, force: true });
    expect(
      new PhoneDrafts({ client: createApiClient({ baseUrl: 'http://127.0.0.1:9' }), session: ctx.owner.session })
        .debounceMs,
    ).toBe(1200);
    expect(ctx.core.drafts.debounceMs).toBe(DEBOUNCE);
  });

  it('a desktop edit is saved encrypted, reaches the server and the phone; a phone edit reaches the desktop live', async () => {
    const changed: string[] = [];
    const off = ctx.core.drafts.onChange((chatId) => changed.push(chatId));
    ctx.core.drafts.edit(ctx.chatId, 'Hel');
    ctx.core.drafts.edit(ctx.chatId, 'Hello from the desktop');
    await until(
      () => ctx.core.store.getDraft(ctx.chatId)?.pending === 0,
      5_000,
      'the desktop draft to reach the server',
    );
    const row = ctx.core.store.getDraft(ctx.chatId)!;
    expect(row.version).toBe(1); // two keystrokes inside the delay: one save
    expect(row.ciphertext).toMatch(/^v1\./);
    expect(await ctx.phoneA.drafts.load(ctx.chatId)).toBe('Hello from the desktop');

    ctx.phoneA.drafts.edit(ctx.chatId, 'Hello from the phone');
    await ctx.phoneA.drafts.flush();
    // Live: the draft:update event on the desktop's stream, no reconnect involved.
    await until(
      () => ctx.core.drafts.read(ctx.chatId) === 'Hello from the phone',
      5_000,
      'the phone draft on the desktop',
    );
    expect(ctx.core.store.getDraft(ctx.chatId)).toMatchObject({
      version: 2,
      updated_by_device: ctx.phoneA.session.deviceId,
      pending: 0,
    });
    expect(changed).toContain(ctx.chatId);
    expect(ctx.core.drafts.chatsWithDrafts()).toEqual([ctx.chatId]);
    off();
  });

  it('concurrent edits on two online devices end as the same draft on both', async () => {
    for (let round = 0; round < 3; round++) {
      ctx.core.drafts.edit(ctx.chatId, `desktop ${round}`);
      ctx.phoneA.drafts.edit(ctx.chatId, `phone ${round}`);
      await Promise.all([ctx.core.drafts.flush(), ctx.phoneA.drafts.flush()]);
      await until(
        async () => {
          await ctx.phoneA.drafts.refresh();
          const d = ctx.core.drafts.read(ctx.chatId);
          return (
            d !== null && d === ctx.phoneA.drafts.read(ctx.chatId) && ctx.core.store.getDraft(ctx.chatId)?.pending === 0
          );
        },
        10_000,
        `round ${round} to converge`,
      );
      const server = (await ctx.owner.api.call('getDraft', { params: { chatId: ctx.chatId } }))!;
      expect(ctx.core.store.getDraft(ctx.chatId)).toMatchObject({
        version: server.version,
        ciphertext: server.ciphertext,
      });
    }
  });

  it.each([7, 19, 101, 2026])(
    'offline edits on all three devices converge after reconnects in seeded order (seed %i)',
    async (seed) => {
      const random = seededRandom(seed);
      const { core, phoneA, phoneB, chatId } = ctx;
      await goOffline(true);
      phoneA.proxy.setOffline(true);
      phoneB.proxy.setOffline(true);
      const finals: Array<{ name: string; text: string }> = [];
      const editors = [
        { name: 'desktop', edit: (t: string) => core.drafts.edit(chatId, t), flush: () => core.drafts.flush() },
        { name: 'phoneA', edit: (t: string) => phoneA.drafts.edit(chatId, t), flush: () => phoneA.drafts.flush() },
        { name: 'phoneB', edit: (t: string) => phoneB.drafts.edit(chatId, t), flush: () => phoneB.drafts.flush() },
      ];
      for (const editor of editors) {
        const saves = 1 + Math.floor(random() * 4);
        let text = '';
        for (let i = 0; i < saves; i++) {
          // The last edit of one device sometimes deletes the draft: deletes converge like edits.
          text = i === saves - 1 && random() < 0.2 ? '' : `${editor.name} edit ${i} (seed ${seed})`;
          editor.edit(text);
          await editor.flush(); // each flush is one save: version + 1, pending while offline
        }
        finals.push({ name: editor.name, text });
      }
      // The winner by the rule: highest (version, device id) among the devices' final local edits.
      const candidates = [
        { name: 'desktop', version: core.store.getDraft(chatId)!.version, device: core.session.deviceId },
        { name: 'phoneA', version: phoneA.drafts.localDraft(chatId)!.version, device: phoneA.session.deviceId },
        { name: 'phoneB', version: phoneB.drafts.localDraft(chatId)!.version, device: phoneB.session.deviceId },
      ].sort((a, b) => a.version - b.version || (a.device < b.device ? -1 : 1));
      const winner = finals.find((f) => f.name === candidates[candidates.length - 1]!.name)!;
      const expected = winner.text === '' ? null : winner.text;

      const order = editors.map((e) => e.name).sort(() => random() - 0.5);
      for (const name of order) {
        if (name === 'desktop') await goOffline(false);
        else {
          const phone = name === 'phoneA' ? phoneA : phoneB;
          phone.proxy.setOffline(false);
          await phone.drafts.refresh();
        }
      }
      await until(
        async () => {
          await phoneA.drafts.refresh();
          await phoneB.drafts.refresh();
          return [core.drafts.read(chatId), phoneA.drafts.read(chatId), phoneB.drafts.read(chatId)].every(
            (d) => d === expected,
          );
        },
        10_000,
        `all devices to hold ${JSON.stringify(expected)} (order ${order.join(', ')})`,
      );
      const server = (await ctx.owner.api.call('getDraft', { params: { chatId } }))!;
      expect(core.store.getDraft(chatId)).toMatchObject({
        version: server.version,
        updated_by_device: server.updatedByDevice,
        pending: 0,
      });
      expect(phoneA.drafts.isPending(chatId) || phoneB.drafts.isPending(chatId)).toBe(false);
    },
  );

  it('a stale edit is refused and the device adopts the newer draft', async () => {
    const { core, phoneA, chatId } = ctx;
    await goOffline(true);
    core.drafts.edit(chatId, 'written offline, older');
    await core.drafts.flush();
    const offlineVersion = core.store.getDraft(chatId)!.version;
    // Meanwhile the phone edits twice, ending two versions ahead.
    await phoneA.drafts.refresh();
    phoneA.drafts.edit(chatId, 'phone one');
    await phoneA.drafts.flush();
    phoneA.drafts.edit(chatId, 'phone two, newer');
    await phoneA.drafts.flush();
    expect(phoneA.drafts.localDraft(chatId)!.version).toBeGreaterThan(offlineVersion);
    await goOffline(false);
    await until(
      () => core.drafts.read(chatId) === 'phone two, newer' && core.store.getDraft(chatId)?.pending === 0,
      10_000,
      'the desktop to adopt',
    );
    expect((await ctx.owner.api.call('getDraft', { params: { chatId } }))!.updatedByDevice).toBe(
      phoneA.session.deviceId,
    );
  });

  it('deleting a draft (empty text) syncs everywhere', async () => {
    const { core, phoneA, phoneB, chatId } = ctx;
    core.drafts.edit(chatId, 'soon gone');
    await core.drafts.flush();
    await until(async () => (await phoneB.drafts.load(chatId)) === 'soon gone', 5_000, 'the draft on phone B');
    phoneB.drafts.edit(chatId, '');
    await phoneB.drafts.flush();
    await until(() => core.drafts.read(chatId) === null, 5_000, 'the delete on the desktop');
    await phoneA.drafts.refresh();
    expect(phoneA.drafts.read(chatId)).toBeNull();
    expect(core.store.getDraft(chatId)).toMatchObject({ ciphertext: null, pending: 0 });
    expect(core.drafts.chatsWithDrafts()).toEqual([]);
    expect(await ctx.owner.api.call('getDraft', { params: { chatId } })).toMatchObject({ ciphertext: null });
  });

  it('an oversize draft is refused before encrypting, with a readable message naming the server limit', async () => {
    expect(ctx.core.drafts.maxChars).toBe(500); // learnt from the server on connect
    const before = ctx.core.store.getDraft(ctx.chatId);
    expect(() => ctx.core.drafts.edit(ctx.chatId, 'x'.repeat(501))).toThrow(DraftTooLongError);
    expect(() => ctx.core.drafts.edit(ctx.chatId, 'x'.repeat(501))).toThrow(
      'This draft is 501 characters long; drafts can be at most 500 characters. Shorten it to keep it.',
    );
    await ctx.phoneA.drafts.refresh();
    expect(() => ctx.phoneA.drafts.edit(ctx.chatId, 'y'.repeat(501))).toThrow(/at most 500 characters/);
    await ctx.core.drafts.flush();
    expect(ctx.core.store.getDraft(ctx.chatId)).toEqual(before);
    ctx.core.drafts.edit(ctx.chatId, 'z'.repeat(500)); // exactly the limit is fine
    await ctx.core.drafts.flush();
    expect(ctx.core.store.getDraft(ctx.chatId)?.pending).toBe(0);
  });

  it('the desktop store never holds a draft in plaintext', async () => {
    const secret = `canary-${Date.now()}-draft-text`;
    ctx.core.drafts.edit(ctx.chatId, secret);
    await ctx.core.drafts.flush();
    await ctx.phoneA.drafts.refresh(); // edit on top of the desktop's draft (a later edit, so it wins)
    ctx.phoneA.drafts.edit(ctx.chatId, `${secret}-from-phone`);
    await ctx.phoneA.drafts.flush();
    await until(() => ctx.core.drafts.read(ctx.chatId) === `${secret}-from-phone`, 5_000, 'the phone draft');
    expect(desktopBytes(ctx.dir)).not.toContain('canary-');
    const serverDb = ['', '-wal']
      .map((s) => (existsSync(ctx.server.dbFile + s) ? readFileSync(ctx.server.dbFile + s).toString('latin1') : ''))
      .join('');
    expect(serverDb).not.toContain('canary-');
    expect(ctx.server.logs.join('\n')).not.toContain('canary-');
  });
});

describe('drafts survive the server cache: TTL fold and graceful restart', () => {
  let ctx: Awaited<ReturnType<typeof setUp>>;
  beforeAll(async () => {
    ctx = await setUp({ DRAFT_PERSISTENCE_TTL_SECONDS: '1' });
  });
  afterAll(() => tearDown(ctx));

  it('a desktop away longer than the TTL still receives the draft written meanwhile (from the chat row)', async () => {
    const { core, phoneA, chatId, server } = ctx;
    ctx.desktopProxy.setOffline(true);
    await until(() => core.engine.progress.connection !== 'connected', 5_000, 'offline');
    phoneA.drafts.edit(chatId, 'written while the desktop was away');
    await phoneA.drafts.flush();
    const hot = () => server.server.deps.db.draft.count();
    await until(async () => (await hot()) === 0, 5_000, 'the draft to fold into the chat row');
    const member = await server.server.deps.db.chatMember.findUniqueOrThrow({
      where: { chatId_userId: { chatId, userId: ctx.owner.session.userId } },
    });
    expect(member.draftVersion).toBe(1);
    ctx.desktopProxy.setOffline(false);
    await until(
      () => core.drafts.read(chatId) === 'written while the desktop was away',
      10_000,
      'the folded draft on the desktop',
    );
    // A fresh device (the second phone) gets it too.
    expect(await ctx.phoneB.drafts.load(chatId)).toBe('written while the desktop was away');
  });

  it('a graceful server restart keeps every draft, and editing goes on from it', async () => {
    const { core, phoneA, chatId } = ctx;
    core.drafts.edit(chatId, 'before the restart');
    await core.drafts.flush();
    await until(() => core.store.getDraft(chatId)?.pending === 0, 5_000, 'sent');
    const { dataDir, server: running } = ctx.server;
    await ctx.server.stop({ keepData: true });
    ctx.server = await startTestServer({ DRAFT_PERSISTENCE_TTL_SECONDS: '1' }, { dataDir, port: running.port });
    await untilProgress(core, (p) => p.connection === 'connected', 15_000);
    expect(await phoneA.drafts.load(chatId)).toBe('before the restart');
    phoneA.drafts.edit(chatId, 'after the restart');
    await phoneA.drafts.flush();
    await until(() => core.drafts.read(chatId) === 'after the restart', 10_000, 'the new edit on the desktop');
  });
});
