import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compareDrafts, type DraftRecord } from '../../../../common/contract';
import { PhoneDraftStore } from '../../../../mobile-pairing/src/core/drafts-store';
import { LocalStore } from '../store/local-store';

/**
 * The conflict rule as each client store applies it. Whatever order the server's records arrive in, the
 * desktop store (SQLite) and the phone store (memory) keep the same draft: the greatest by compareDrafts.
 */
const CHAT = '00000000-0000-4000-8000-000000000001';
const DEVICES = [
  '00000000-0000-4000-8000-00000000000a',
  '00000000-0000-4000-8000-00000000000b',
  '00000000-0000-4000-8000-00000000000c',
];

const record = (version: number, device: number, ciphertext: string | null): DraftRecord => ({
  chatId: CHAT,
  ciphertext,
  version,
  updatedByDevice: DEVICES[device]!,
  updatedAt: new Date(1_800_000_000_000 + version).toISOString(),
});
const env = (tag: string) => `v1.${'A'.repeat(32)}.${tag.padEnd(24, 'x')}`;

let dir: string;
let store: LocalStore;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'symc-draft-rule-'));
  store = LocalStore.open(path.join(dir, 'local.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

it('orders by version, then by device id', () => {
  expect(compareDrafts(record(2, 0, null), record(1, 2, null))).toBeGreaterThan(0);
  expect(compareDrafts(record(1, 2, null), record(1, 0, null))).toBeGreaterThan(0);
  expect(compareDrafts(record(1, 1, null), record(1, 1, env('other')))).toBe(0);
});

it('desktop and phone stores keep the same winner in every arrival order', () => {
  const records = [
    record(1, 0, env('a1')),
    record(2, 1, env('b2')),
    record(2, 2, env('c2')),
    record(3, 0, null),
    record(3, 1, env('b3')),
  ];
  const winner = [...records].sort(compareDrafts).at(-1)!;
  // Every permutation of five records.
  const permutations = (xs: DraftRecord[]): DraftRecord[][] =>
    xs.length <= 1
      ? [xs]
      : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
  // The store has no "delete every draft": a second connection to its file resets the table between orders.
  const raw = new Database(store.file);
  for (const order of permutations(records)) {
    raw.exec('DELETE FROM drafts');
    const phone = new PhoneDraftStore();
    for (const r of order) {
      store.putDraft(r);
      phone.apply(r);
    }
    expect(store.getDraft(CHAT)).toMatchObject({
      version: winner.version,
      updated_by_device: winner.updatedByDevice,
      ciphertext: winner.ciphertext,
      pending: 0,
    });
    expect(phone.get(CHAT)).toMatchObject({
      version: winner.version,
      updatedByDevice: winner.updatedByDevice,
      ciphertext: winner.ciphertext,
      pending: false,
    });
  }
  raw.close();
});

it('a local edit goes one version above everything seen; its confirmation clears pending; a winning remote edit replaces it', () => {
  store.putDraft(record(4, 1, env('seen')));
  const mine = store.saveLocalDraft(CHAT, env('mine'), DEVICES[0]!);
  expect(mine).toMatchObject({ version: 5, pending: 1 });
  // An older or losing record changes nothing.
  expect(store.putDraft(record(4, 2, env('late')))).toBe(false);
  expect(store.getDraft(CHAT)).toMatchObject({ version: 5, pending: 1, ciphertext: env('mine') });
  // The server's copy of our edit confirms it without a visible change.
  expect(store.putDraft(record(5, 0, env('mine')))).toBe(false);
  expect(store.getDraft(CHAT)).toMatchObject({ version: 5, pending: 0 });
  // A concurrent edit at the same version from a greater device id wins over a new pending one.
  store.saveLocalDraft(CHAT, env('mine again'), DEVICES[0]!);
  expect(store.putDraft(record(6, 2, env('theirs')))).toBe(true);
  expect(store.getDraft(CHAT)).toMatchObject({ version: 6, pending: 0, ciphertext: env('theirs') });
  expect(store.listPendingDrafts()).toEqual([]);
});

it('a chat with an unsent draft is never evicted', () => {
  store.upsertChats([
    {
      chatId: CHAT,
      createdByUserId: DEVICES[0]!,
      encryptedMeta: env('meta'),
      metaVersion: 1,
      createdAt: new Date(0).toISOString(),
      updatedAt: new Date(0).toISOString(),
      members: [],
      wrappedChatKey: null,
      sealedChatKey: null,
      lastOpenedAt: null,
      pinned: false,
      messageCount: 0,
    },
  ]);
  store.saveLocalDraft(CHAT, env('unsent'), DEVICES[0]!);
  expect(store.enforceBudget({ maxChats: 0, maxBytes: 0 }, new Set())).toEqual([]);
  store.putDraft(record(1, 0, env('unsent')));
  expect(store.enforceBudget({ maxChats: 0, maxBytes: 0 }, new Set())).toEqual([CHAT]);
});
