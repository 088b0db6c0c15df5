import { type DraftStorage, type PhoneDraft, PhoneDraftStore } from './drafts-store';

const chatId = '5b0b7a5e-3a55-4a57-9d59-2b1f7c2e9d10';
const me = '0e2b1f6a-6a53-4f0d-9a59-6c1c7b2d9e11';
const other = 'f1a1c0de-6a53-4f0d-9a59-6c1c7b2d9e12';
const envelope = (n: number) => `v1.${'A'.repeat(32)}.${'B'.repeat(20 + n)}`;

function memory(initial: unknown = []): DraftStorage & { saved: unknown } {
  const box = { saved: initial as unknown };
  return Object.assign(box, {
    load: () => box.saved,
    save: (drafts: readonly PhoneDraft[]) => void (box.saved = JSON.parse(JSON.stringify(drafts))),
  });
}

describe('PhoneDraftStore storage', () => {
  it('an edit made offline is saved, and a new store (the page loaded again) still has it pending', () => {
    const storage = memory();
    const store = new PhoneDraftStore(storage);
    store.apply({
      chatId,
      ciphertext: envelope(1),
      version: 4,
      updatedByDevice: other,
      updatedAt: '2026-01-01T00:00:00.000Z',
    });
    store.saveLocal(chatId, envelope(2), me);

    const reloaded = new PhoneDraftStore(storage);
    expect(reloaded.pending()).toEqual([
      expect.objectContaining({ chatId, ciphertext: envelope(2), version: 5, updatedByDevice: me, pending: true }),
    ]);
    // The next edit still outranks everything this phone has seen.
    expect(reloaded.saveLocal(chatId, envelope(3), me).version).toBe(6);
  });

  it('sign-out clears what was saved; unreadable saved data is dropped, never fatal', () => {
    const storage = memory();
    const store = new PhoneDraftStore(storage);
    store.saveLocal(chatId, envelope(1), me);
    store.clear();
    expect(storage.saved).toEqual([]);

    for (const junk of ['not json at all', [{ chatId: 'x', version: 'one' }], { drafts: [] }, null]) {
      expect(new PhoneDraftStore(memory(junk)).pending()).toEqual([]);
    }
  });

  it('a storage that refuses to save (full, private mode) leaves the drafts in memory', () => {
    const store = new PhoneDraftStore({
      load: () => [],
      save: () => {
        throw new Error('QuotaExceededError');
      },
    });
    expect(store.saveLocal(chatId, envelope(1), me).pending).toBe(true);
    expect(store.get(chatId)?.ciphertext).toBe(envelope(1));
  });
});
