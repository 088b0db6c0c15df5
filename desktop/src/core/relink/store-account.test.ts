import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChatSummary } from '../../../../common/contract';
import { generateMasterKey, initCrypto, randomId } from '../../../../common/crypto';
import { LocalStore } from '../store/local-store';
import { accountFingerprint, claimStore, fitHeaderBudget, HELD_HEADER_BUDGET } from './store-account';

describe('which account a kept store belongs to', () => {
  let dir: string;
  beforeAll(initCrypto);
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-store-account-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const chat = (id: string): ChatSummary =>
    ({
      chatId: id,
      createdByUserId: 'u1',
      encryptedMeta: 'meta',
      metaVersion: 1,
      createdAt: new Date(0).toISOString(),
      updatedAt: new Date(0).toISOString(),
      members: [],
      wrappedChatKey: 'wrapped',
      sealedChatKey: null,
      lastOpenedAt: null,
      pinned: false,
      messageCount: 0,
    }) as unknown as ChatSummary;

  it('the fingerprint depends on the master key and the user id, and on nothing else', () => {
    const key = generateMasterKey();
    expect(accountFingerprint(key, 'u1')).toBe(accountFingerprint(key, 'u1'));
    expect(accountFingerprint(key, 'u1')).not.toBe(accountFingerprint(key, 'u2'));
    expect(accountFingerprint(generateMasterKey(), 'u1')).not.toBe(accountFingerprint(key, 'u1'));
  });

  it('same account keeps the store; another account, or an unproven store right after a link, erases it', () => {
    const file = path.join(dir, 'store.db');
    const mine = accountFingerprint(generateMasterKey(), 'u1');
    let { claim, store } = claimStore(LocalStore.open(file), mine, true);
    expect(claim).toBe('empty');
    store.upsertChats([chat('c1')]);
    ({ claim, store } = claimStore(store, mine, true));
    expect(claim).toBe('same');
    expect(store.hasChat('c1')).toBe(true);

    ({ claim, store } = claimStore(store, accountFingerprint(generateMasterKey(), 'u1'), true));
    expect(claim).toBe('wiped');
    expect(store.hasChat('c1')).toBe(false);

    store.close();
  });

  it('a store from before fingerprints is adopted on a normal start, erased right after a link', () => {
    const mine = accountFingerprint(generateMasterKey(), 'u1');
    const legacy = (name: string) => {
      const store = LocalStore.open(path.join(dir, name));
      store.upsertChats([chat('old')]);
      return store;
    };
    const upgraded = claimStore(legacy('upgraded.db'), mine, false);
    expect(upgraded.claim).toBe('same');
    expect(upgraded.store.getState('account')).toBe(mine);
    expect(upgraded.store.hasChat('old')).toBe(true);
    upgraded.store.close();
    const relinked = claimStore(legacy('relinked.db'), mine, true);
    expect(relinked.claim).toBe('wiped');
    expect(relinked.store.hasChat('old')).toBe(false);
    relinked.store.close();
  });

  it('the held-history description stays under the header budget, dropping ids before chats', () => {
    const held = Array.from({ length: 300 }, () => ({
      chatId: randomId(),
      since: 1_800_000_000_000,
      except: Array.from({ length: 100 }, () => randomId()),
    }));
    const fitted = fitHeaderBudget(held);
    expect(JSON.stringify(fitted).length).toBeLessThanOrEqual(HELD_HEADER_BUDGET);
    expect(fitted.length).toBeGreaterThan(0);
    expect(fitted.map((c) => c.chatId)).toEqual(held.slice(0, fitted.length).map((c) => c.chatId));
    for (const [i, chat] of fitted.entries()) expect(held[i]!.except.slice(0, chat.except.length)).toEqual(chat.except);
    const small = held.slice(0, 2).map((c) => ({ ...c, except: c.except.slice(0, 3) }));
    expect(fitHeaderBudget(small)).toEqual(small);
  });
});
