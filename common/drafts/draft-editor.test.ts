import { createApiClient, type DraftRecord } from '../contract';
import { decryptDraft } from '../content';
import { initCrypto } from '../crypto';
import { type PhoneSession, signIn } from '../../mobile-pairing/src/core/account';
import { startChat } from '../../mobile-pairing/src/core/chats';
import { PhoneDraftStore } from '../../mobile-pairing/src/core/drafts-store';
import { signUpPhone } from '../../server/test/support/phone';
import { startTestServer, type TestServer } from '../../server/test/support/test-server';
import { DRAFT_DEBOUNCE_MS, DraftEditor, type DraftEditorOptions, DraftTooLongError } from './draft-editor';

/**
 * The shared draft behaviour against the real server (MAX_DRAFT_CHARS 50), over the phone's in-memory
 * store. A device's network can be switched off: its fetch then fails like a dropped connection.
 */

const DEBOUNCE = 15;
let server: TestServer;
let session: PhoneSession;
/** The same user on a second phone. */
let second: PhoneSession;
let chatId: string;

beforeAll(async () => {
  await initCrypto();
  server = await startTestServer({ MAX_DRAFT_CHARS: '50' });
  const owner = await signUpPhone(server, 'editor');
  session = owner.session;
  second = await signIn(server.client(), {
    username: session.username,
    password: owner.password,
    device: { name: 'B', platform: 'android' },
  });
  chatId = (await startChat(owner.api, session, { title: 'Editor', memberUsernames: [] })).chat.chatId;
});
afterAll(async () => {
  await server.stop();
});

/** A device: an editor over a fresh store, with its own network switch. */
function device(options: Partial<DraftEditorOptions> = {}, as: PhoneSession = session) {
  const net = { offline: false };
  const api = createApiClient({
    baseUrl: server.url,
    accessToken: () => as.tokens.accessToken,
    fetch: (url, init) => (net.offline ? Promise.reject(new TypeError('network down')) : fetch(url, init)),
  });
  const store = new PhoneDraftStore();
  const changes: string[] = [];
  const editor = new DraftEditor({ store, api, session: as, debounceMs: DEBOUNCE, ...options });
  editor.onChange((id) => changes.push(id));
  return { editor, store, api, net, changes };
}

const serverDraft = async (): Promise<DraftRecord> =>
  (await server.client(() => session.tokens.accessToken).call('getDraft', { params: { chatId } }))!;
const textOf = (draft: DraftRecord) =>
  draft.ciphertext ? decryptDraft(session.masterKey, session.userId, chatId, draft.ciphertext).text : null;
const until = async (check: () => boolean, what: string) => {
  for (const start = Date.now(); !check(); await new Promise((r) => setTimeout(r, 5))) {
    if (Date.now() - start > 5_000) throw new Error(`timed out waiting for ${what}`);
  }
};

it('keystrokes inside the debounce make one encrypted save, shown while typing, then accepted by the server', async () => {
  expect(DRAFT_DEBOUNCE_MS).toBe(1200);
  const { editor, store, changes } = device();
  await editor.refresh();
  const before = store.get(chatId)?.version ?? 0;
  editor.edit(chatId, 'Hel');
  editor.edit(chatId, 'Hello');
  expect(editor.read(chatId)).toBe('Hello');
  expect(editor.isPending(chatId)).toBe(true);
  expect(store.get(chatId)?.version ?? 0).toBe(before); // nothing saved before the delay
  await until(
    () => store.get(chatId)?.pending === false && store.get(chatId)!.version > before,
    'the save to be accepted',
  );
  expect(store.get(chatId)!.version).toBe(before + 1); // one save for both keystrokes
  expect(editor.isPending(chatId)).toBe(false);
  expect(textOf(await serverDraft())).toBe('Hello');
  expect(editor.read(chatId)).toBe('Hello');
  expect(editor.chatsWithDrafts()).toEqual([chatId]);
  expect(changes).toContain(chatId);

  // The same text again, or a second delete, makes no new version.
  editor.edit(chatId, 'Hello');
  await editor.flush();
  expect(store.get(chatId)!.version).toBe(before + 1);
  editor.edit(chatId, '');
  expect(editor.chatsWithDrafts()).toEqual([]); // typing an empty text hides the marker at once
  await editor.flush();
  expect(store.get(chatId)).toMatchObject({ ciphertext: null, version: before + 2, pending: false });
  editor.edit(chatId, '');
  await editor.flush();
  expect(store.get(chatId)!.version).toBe(before + 2);
  expect(editor.read(chatId)).toBeNull();
  editor.close();
});

it('refuses a text over maxChars before saving anything, and learns the server limit on refresh', async () => {
  const { editor, store } = device();
  expect(editor.maxChars).toBe(10_000); // the contract default until the server tells
  await editor.refresh();
  expect(editor.maxChars).toBe(50);
  const version = store.get(chatId)?.version;
  expect(() => editor.edit(chatId, 'x'.repeat(51))).toThrow(DraftTooLongError);
  expect(() => editor.edit(chatId, 'x'.repeat(51))).toThrow('drafts can be at most 50 characters');
  await editor.flush();
  expect(store.get(chatId)?.version).toBe(version);
  editor.close();
});

it('offline, an edit stays pending and is sent by the next push', async () => {
  const { editor, store, net } = device();
  await editor.refresh();
  net.offline = true;
  editor.edit(chatId, 'written offline');
  await editor.flush(); // resolves offline
  expect(store.get(chatId)).toMatchObject({ pending: true });
  expect(textOf(await serverDraft())).not.toBe('written offline');
  net.offline = false;
  await editor.refresh();
  expect(store.get(chatId)).toMatchObject({ pending: false });
  expect(textOf(await serverDraft())).toBe('written offline');
  editor.close();
});

it('a refused stale edit adopts the server draft, so both devices end with the winner', async () => {
  // Two offline edits at the same version: the greater device id wins (compareDrafts). The winner sends
  // first, so the loser's PUT is refused as stale.
  const [winnerSession, loserSession] = [session, second].sort((x, y) => (x.deviceId > y.deviceId ? -1 : 1)) as [
    PhoneSession,
    PhoneSession,
  ];
  const winner = device({}, winnerSession);
  const loser = device({}, loserSession);
  await Promise.all([winner.editor.refresh(), loser.editor.refresh()]);
  winner.net.offline = true;
  loser.net.offline = true;
  winner.editor.edit(chatId, 'from the winner');
  loser.editor.edit(chatId, 'from the loser');
  await Promise.all([winner.editor.flush(), loser.editor.flush()]);
  expect(winner.store.get(chatId)!.version).toBe(loser.store.get(chatId)!.version);
  winner.net.offline = false;
  await winner.editor.flush();
  loser.net.offline = false;
  loser.changes.length = 0;
  await loser.editor.flush(); // refused as stale: GETs and takes the winner's draft
  expect(loser.editor.read(chatId)).toBe('from the winner');
  expect(loser.store.get(chatId)).toMatchObject({
    pending: false,
    updatedByDevice: winnerSession.deviceId,
    version: winner.store.get(chatId)!.version,
  });
  expect(loser.changes).toEqual([chatId]);
  expect(textOf(await serverDraft())).toBe('from the winner');
  winner.editor.close();
  loser.editor.close();
});

it('a refusal for good abandons the edit and reports it', async () => {
  const refused: Array<[string, string]> = [];
  // A device that believes drafts may be longer than the server allows: the server refuses its envelope with 413.
  const { editor, store } = device({ maxChars: 10_000, onRefused: (id, error) => refused.push([id, error.code]) });
  editor.take(await serverDraft()); // caught up (not through refresh, which would teach it the limit)
  editor.edit(chatId, 'y'.repeat(400)); // past even the worst-case envelope bound of 50 characters
  await editor.flush();
  expect(refused).toEqual([[chatId, 'payload_too_large']]);
  expect(store.get(chatId)).toMatchObject({ pending: false });
  expect(editor.isPending(chatId)).toBe(false);
  editor.close();
});

it('a failing run rejects, or reports through onPushError and resolves', async () => {
  const broken = new Error('store broken');
  const { editor, store } = device();
  store.pending = () => {
    throw broken;
  };
  await expect(editor.flush()).rejects.toBe(broken);
  const reported: unknown[] = [];
  const quiet = device({ onPushError: (error) => reported.push(error) });
  quiet.store.pending = () => {
    throw broken;
  };
  await expect(quiet.editor.flush()).resolves.toBeUndefined();
  expect(reported).toEqual([broken]);
  editor.close();
  quiet.editor.close();
});

it('close drops what is being typed; nothing more is saved or announced', async () => {
  const { editor, store, changes } = device();
  await editor.refresh();
  const version = store.get(chatId)?.version;
  changes.length = 0;
  editor.edit(chatId, 'never saved');
  editor.close();
  await new Promise((r) => setTimeout(r, DEBOUNCE * 3));
  expect(store.get(chatId)?.version).toBe(version);
  expect(editor.read(chatId)).not.toBe('never saved');
  editor.take({ ...(await serverDraft()), version: 999 });
  expect(changes).toEqual([]);
  expect(store.get(chatId)?.version).toBe(version);
});
