import { deletedForMe, encryptUserSettings, hiddenByChatDelete, withChatPref } from '../../../common/content';
import { initCrypto } from '../../../common/crypto';
import { signUpPhone } from '../../../server/test/support/phone';
import { startTestServer, type TestServer } from '../../../server/test/support/test-server';
import { signIn } from './account';
import { PhoneSettings } from './chat-prefs';

const CHAT_A = '0190a0a0-0000-7000-8000-00000000000a';
const CHAT_B = '0190a0a0-0000-7000-8000-00000000000b';

describe('chat prefs (mute, archive, delete for me), synced encrypted across one account’s devices', () => {
  let server: TestServer;
  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  async function twoDevices() {
    const first = await signUpPhone(server, 'prefs');
    const second = await signIn(server.client(), {
      username: first.session.username,
      password: first.password,
      device: { name: 'second phone', platform: 'android' },
    });
    const secondApi = server.client(() => second.tokens.accessToken);
    return {
      first: { ...first, settings: new PhoneSettings(first.api, first.session) },
      second: { session: second, api: secondApi, settings: new PhoneSettings(secondApi, second) },
    };
  }

  it('a chat muted and archived on one device is muted and archived on the other; the server holds only ciphertext', async () => {
    const { first, second } = await twoDevices();
    await first.settings.refresh();
    await first.settings.setChatPref(CHAT_A, { muted: true });
    await first.settings.setChatPref(CHAT_A, { archived: true });

    await second.settings.refresh();
    expect(second.settings.prefOf(CHAT_A)).toEqual({ muted: true, archived: true });
    expect(second.settings.prefOf(CHAT_B)).toEqual({});

    // What the server stores says nothing of which chat: no chat id, no field name in the clear.
    const row = await server.server.deps.db.userSettings.findUnique({ where: { userId: first.session.userId } });
    expect(row!.ciphertext).not.toContain(CHAT_A);
    expect(row!.ciphertext).not.toContain('muted');

    // Unmuting removes the field; a chat with no prefs left leaves the map.
    await second.settings.setChatPref(CHAT_A, { muted: false });
    await first.settings.refresh();
    expect(first.settings.prefOf(CHAT_A)).toEqual({ archived: true });
    await first.settings.setChatPref(CHAT_A, { archived: false });
    expect(first.settings.read().chatPrefs).toEqual({});
  });

  it('two devices changing different chats at once both keep their change (the loser re-reads and re-applies)', async () => {
    const { first, second } = await twoDevices();
    await first.settings.refresh();
    await second.settings.refresh();
    await first.settings.setChatPref(CHAT_A, { muted: true });
    // The second device still holds the version before that write: its write is refused, then applied again.
    await second.settings.setChatPref(CHAT_B, { archived: true });

    await first.settings.refresh();
    expect(first.settings.read().chatPrefs).toEqual({ [CHAT_A]: { muted: true }, [CHAT_B]: { archived: true } });
    expect(first.settings.version).toBe(2);
  });

  it('keeps settings fields it does not know (a desktop’s budget, a newer app’s field)', async () => {
    const { first, second } = await twoDevices();
    const ciphertext = encryptUserSettings(first.session.masterKey, first.session.userId, {
      desktopBudget: { maxChats: 5, maxMegabytes: 50 },
      fromTheFuture: { x: 1 },
    } as never);
    await first.api.call('putSettings', { body: { ciphertext, baseVersion: 0 } });
    await second.settings.refresh();
    await second.settings.setChatPref(CHAT_A, { deletedAt: 1_000 });
    await first.settings.refresh();
    expect(first.settings.read()).toEqual({
      desktopBudget: { maxChats: 5, maxMegabytes: 50 },
      fromTheFuture: { x: 1 },
      chatPrefs: { [CHAT_A]: { deletedAt: 1_000 } },
    });
  });

  it('ignores a replayed older record and one that does not open under the master key', async () => {
    const { first, second } = await twoDevices();
    await first.settings.setChatPref(CHAT_A, { muted: true });
    const v1 = (await first.api.call('getSettings', {})).settings!;
    await first.settings.setChatPref(CHAT_A, { muted: false, archived: true });
    await second.settings.refresh();
    expect(second.settings.accept(v1)).toBe(false);
    expect(second.settings.prefOf(CHAT_A)).toEqual({ archived: true });
    // Another account's settings (a server swapping envelopes) don't open under this user's key and context.
    const other = await signUpPhone(server, 'prefsother');
    const foreign = encryptUserSettings(other.session.masterKey, other.session.userId, {
      chatPrefs: { [CHAT_A]: { muted: true } },
    });
    expect(second.settings.accept({ ...v1, version: 99, ciphertext: foreign })).toBe(false);
    expect(second.settings.prefOf(CHAT_A)).toEqual({ archived: true });
  });

  it('delete for me hides the chat until a message comes after it, and hides the messages up to it', () => {
    const pref = withChatPref({}, CHAT_A, { deletedAt: 5_000 }).chatPrefs![CHAT_A]!;
    expect(deletedForMe(pref, 4_000)).toBe(true);
    expect(deletedForMe(pref, null)).toBe(true);
    expect(deletedForMe(pref, 6_000)).toBe(false);
    expect(deletedForMe({}, 1)).toBe(false);
    expect(hiddenByChatDelete(pref, 5_000)).toBe(true);
    expect(hiddenByChatDelete(pref, 5_001)).toBe(false);
  });

  it('read markers: two phones of one account racing keep the furthest; the server holds neither chat nor message id', async () => {
    const { first, second } = await twoDevices();
    const near = { at: 1_000, id: '0190a0a0-0000-7000-8000-0000000000e1' };
    const far = { at: 2_000, id: '0190a0a0-0000-7000-8000-0000000000e2' };
    // Both start from the same version: one write loses with 409 and decides again on the winner's settings.
    await Promise.all([
      first.settings.advanceReadThrough(CHAT_A, far),
      second.settings.advanceReadThrough(CHAT_A, near),
    ]);
    await first.settings.refresh();
    await second.settings.refresh();
    expect(first.settings.prefOf(CHAT_A)).toEqual({ readThrough: far });
    expect(second.settings.prefOf(CHAT_A)).toEqual({ readThrough: far });
    expect(await second.settings.advanceReadThrough(CHAT_A, near)).toBe(false);
    const row = await server.server.deps.db.userSettings.findUnique({ where: { userId: first.session.userId } });
    for (const clear of [CHAT_A, far.id, 'readThrough']) expect(row!.ciphertext).not.toContain(clear);
  });
});
