import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { api, type MessageRecord } from '../common/contract';
import { initCrypto } from '../common/crypto';
import type { DesktopCore } from '../desktop/src/core/desktop-core';
import { signUpPhone } from '../server/test/support/phone';
import { startTestServer, type TestServer } from '../server/test/support/test-server';
import { openDesktop, pairDesktop, untilProgress } from './support/desktop';
import { LyingServer } from './support/lying-server';
import { markOpened, type SeededChat, seedChats } from './support/seed';

// A desktop whose budget holds one chat: the phased sync brings one, the others are "beyond the synced set".
const BUDGET = { maxChats: 1, maxBytes: 50 * 1024 * 1024 };
const COUNTS = [150, 60, 20];
jest.setTimeout(120_000);

describe('history beyond the synced set (core, real server)', () => {
  let server: TestServer;
  let liar: LyingServer;
  let dir: string;
  let core: DesktopCore;
  let phone: Awaited<ReturnType<typeof signUpPhone>>;
  let chats: SeededChat[];
  let serverIds: (chatId: string) => Promise<string[]>;

  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
    liar = await new LyingServer(server.url).start();
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-history-'));
    phone = await signUpPhone(server, 'historyphone');
    const friend = await signUpPhone(server, 'historyfriend');
    chats = await seedChats(server, phone.session, {
      chats: 3,
      messagesPerChat: (c) => COUNTS[c]!,
      friend: friend.session,
    });
    await markOpened(server, phone.session, chats[2]!.chatId);
    core = await openDesktop(dir, await pairDesktop(liar.url, phone, dir), BUDGET);
    await core.start();
    await untilProgress(core, (p) => p.primed);
    serverIds = async (chatId) => {
      const ids: string[] = [];
      let before: string | undefined;
      do {
        const page = await phone.api.call('listMessages', { params: { chatId }, query: { limit: 100, before } });
        ids.push(...page.messages.map((m) => m.messageId));
        before = page.nextBefore ?? undefined;
      } while (before);
      return ids.sort();
    };
  }, 120_000);
  afterAll(async () => {
    await core?.stop().catch(() => undefined);
    await liar.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const storedIds = (chatId: string) =>
    core.store
      .listMessages(chatId, 10_000)
      .map((m) => m.id)
      .sort();

  it('lists the chats the sync did not bring, paged from the server, with their titles', async () => {
    expect(core.reader.chatIds()).toEqual([chats[2]!.chatId]);
    expect(core.history.mayHaveOlder(chats[2]!.chatId)).toBe(false); // synced whole
    const first = await core.history.listMissingChats();
    expect(first.chats.map((c) => [c.chatId, c.title])).toEqual([
      [chats[1]!.chatId, 'Chat 1'],
      [chats[0]!.chatId, 'Chat 0'],
    ]);
    expect(first.nextAfter).toBeNull();
    // Paged: one chat a page, the cursor names the last one.
    const page1 = await phone.api.call('listChats', { query: { limit: 1 } });
    const page2 = await phone.api.call('listChats', { query: { limit: 1, after: page1.nextAfter! } });
    const page3 = await phone.api.call('listChats', { query: { limit: 1, after: page2.nextAfter! } });
    expect([...page1.chats, ...page2.chats, ...page3.chats].map((c) => c.chatId)).toEqual(
      [chats[2]!, chats[1]!, chats[0]!].map((c) => c.chatId),
    );
    expect(page3.nextAfter).toBeNull();
  });

  it('a chat opened from that list is taken onto this desktop, pages back past the local oldest, and evicts within the budget', async () => {
    const chatId = chats[0]!.chatId;
    core.setOpenChat(chatId); // protected, as the app does before adopting
    expect(await core.history.adopt(chatId)).toBe(true);
    expect(core.history.mayHaveOlder(chatId)).toBe(true);

    const first = await core.history.fetchOlder(chatId, 60);
    expect(first).toMatchObject({ refused: [], complete: false, error: null });
    expect(first.stored).toHaveLength(60);
    // Over the one-chat budget: the chat synced before leaves (here or at the engine's next run), the open one stays.
    expect(core.reader.chatIds()).toEqual([chatId]);

    const oldestBefore = core.store.oldestServerMessage(chatId)!;
    const second = await core.history.fetchOlder(chatId, 60);
    expect(second.stored).toHaveLength(60);
    expect(second.stored.every((m) => m.createdAt <= oldestBefore.created_at)).toBe(true);
    const third = await core.history.fetchOlder(chatId, 100);
    expect(third).toMatchObject({ complete: true, refused: [], error: null });
    expect(third.stored).toHaveLength(COUNTS[0]! - 120);
    expect(core.history.mayHaveOlder(chatId)).toBe(false);
    expect(storedIds(chatId)).toEqual(await serverIds(chatId));

    // Shown like synced messages: decrypted, signatures checked against the directory's keys.
    // (The directory answers in its own time on a busy machine: waited for here, not timed.)
    await core.reader.loadSenders(
      new Set(core.store.listMessages(chatId, 10_000).map((m) => m.sender_user_id)),
      30_000,
    );
    const page = (await core.reader.page(chatId, 500))!;
    expect(page).toHaveLength(COUNTS[0]!);
    expect(page[0]).toMatchObject({ text: 'message 0 of chat 0', verification: 'verified', decrypted: true });
    expect(page.every((m) => m.verification === 'verified')).toBe(true);
    // Cached under the budget: the paged ciphertext is counted.
    const bytes = core.store.listMessages(chatId, 10_000).reduce((sum, m) => sum + m.size, 0);
    expect(core.storageStats()).toMatchObject({ chats: 1, messages: COUNTS[0], bytes });
  });

  it('an evicted chat that comes back fills its history on open, and the paged one is evictable', async () => {
    const chatId = chats[2]!.chatId; // evicted above
    expect(core.reader.hasChat(chatId)).toBe(false);
    core.setOpenChat(chatId);
    expect(await core.history.adopt(chatId)).toBe(true);
    const filled = await core.history.fetchOlder(chatId, 500);
    expect(filled).toMatchObject({ complete: true, refused: [], error: null });
    expect(storedIds(chatId)).toEqual(await serverIds(chatId));
    expect(core.reader.hasChat(chats[0]!.chatId)).toBe(false);
    expect(core.storageStats().messages).toBe(COUNTS[2]);
  });

  it('refuses what a lying server slips into a page: another chat’s messages, relabelled ones, forged positions', async () => {
    const chatId = chats[1]!.chatId;
    const foreign = chats[0]!.chatId;
    core.setOpenChat(chatId);
    expect(await core.history.adopt(chatId)).toBe(true);
    expect((await core.history.fetchOlder(chatId, 20)).stored).toHaveLength(20);
    const anchor = core.store.oldestServerMessage(chatId)!;
    const foreignPage = await phone.api.call('listMessages', { params: { chatId: foreign }, query: { limit: 3 } });
    const newest = await phone.api.call('listMessages', { params: { chatId }, query: { limit: 1 } });
    const undo = liar.rewriteJson(api.listMessages, (body) => {
      const page = body as { messages: MessageRecord[]; nextBefore: string | null };
      const [a, b, c] = foreignPage.messages;
      const [honest, forged] = page.messages.slice(-2);
      return {
        nextBefore: null, // and "that was all"
        messages: [
          a, // another chat's message as it is
          { ...b!, chatId }, // another chat's message relabelled: its envelope names the other chat
          { ...c!, chatId, messageId: honest!.messageId }, // another body under a real id of this chat
          { ...forged!, createdAt: new Date(Date.parse(newest.messages[0]!.createdAt) + 60_000).toISOString() },
        ],
      };
    });
    try {
      const lied = await core.history.fetchOlder(chatId, 20);
      expect(lied.stored).toEqual([]);
      expect(lied.complete).toBe(false);
      expect(lied.refused).toHaveLength(4);
      expect(lied.refused.join('\n')).toMatch(/belongs to chat/);
      expect(lied.refused.join('\n')).toMatch(/not before the position/);
      expect(lied.refused.join('\n')).toMatch(/does not open/);
    } finally {
      undo();
    }
    // Nothing of the lie stayed; the chat still pages on honestly from where it was.
    expect(core.store.oldestServerMessage(chatId)!.id).toBe(anchor.id);
    expect(core.history.mayHaveOlder(chatId)).toBe(true);
    const honest = await core.history.fetchOlder(chatId, 500);
    expect(honest).toMatchObject({ complete: true, refused: [] });
    expect(storedIds(chatId)).toEqual(await serverIds(chatId));
  });

  it('the paged chat list refuses a cursor that is not one of the user’s chats', async () => {
    const other = await signUpPhone(server, 'historyother');
    const res = await fetch(`${server.url}/chats?limit=5&after=${chats[0]!.chatId}`, {
      headers: { authorization: `Bearer ${other.session.tokens.accessToken}` },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
  });
});
