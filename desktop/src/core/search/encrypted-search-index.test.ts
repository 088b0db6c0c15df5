import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MemoryKeyVault } from '../keys/memory-key-vault';
import { EncryptedSearchIndex, queryWords } from './encrypted-search-index';
import { searchIndexKey } from './search-index-key';

const chatA = randomUUID();
const chatB = randomUUID();
const sender = randomUUID();
const m = (chatId: string, text: string, sentAt = 1) => ({
  messageId: randomUUID(),
  chatId,
  text,
  sentAt,
  senderUserId: sender,
});

function highlighted(hit: { snippet: string; highlights: Array<[number, number]> }): string[] {
  return hit.highlights.map(([s, e]) => hit.snippet.slice(s, e));
}

/** Every byte of every file in `dir` (the database, its WAL and shared memory). */
function bytesOf(dir: string): Buffer {
  return Buffer.concat(readdirSync(dir).map((f) => readFileSync(path.join(dir, f))));
}

describe('EncryptedSearchIndex', () => {
  let dir: string;
  let file: string;
  const key = new Uint8Array(randomBytes(32));
  const open = (k: Uint8Array = key) => EncryptedSearchIndex.open(file, k);

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'symc-search-'));
    file = path.join(dir, 'symc-search.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds chats by title, messages by text and drafts, each naming its chat and sender', () => {
    const index = open();
    index.setChat(chatA, 'Weekend plans');
    index.setChat(chatB, 'Book club');
    const camping = m(chatA, 'Bring the tent for the weekend');
    index.putMessages([camping, m(chatB, 'Chapter four on Thursday')]);
    index.setDraft(chatB, 'Maybe the weekend after?');

    const hits = index.search('weekend');
    expect(hits.map((h) => [h.kind, h.chatId, h.messageId]).sort()).toEqual(
      [
        ['chat', chatA, null],
        ['draft', chatB, null],
        ['message', chatA, camping.messageId],
      ].sort(),
    );
    for (const hit of hits) expect(highlighted(hit).map((t) => t.toLowerCase())).toEqual(['weekend']);
    expect(hits.find((h) => h.kind === 'draft')!.chatTitle).toBe('Book club');
    expect(hits.find((h) => h.kind === 'message')!.senderUserId).toBe(sender);
    index.close();
  });

  it('matches word prefixes, requires every query word, ignores accents and operators', () => {
    const index = open();
    index.setChat(chatA, 'Team');
    index.putMessages([m(chatA, 'the quarterly report is ready'), m(chatA, 'the report is late, café at 5')]);
    expect(index.search('quart rep').map((h) => h.snippet)).toEqual(['the quarterly report is ready']);
    expect(highlighted(index.search('quart rep')[0]!)).toEqual(['quarterly', 'report']);
    expect(index.search('report ready')).toHaveLength(1);
    expect(index.search('CAFE')).toHaveLength(1);
    expect(index.search('nothing-like-this')).toEqual([]);
    expect(index.search('"report" OR NOT (')).toHaveLength(0); // "or" and "not" are words here, not operators
    expect(index.search('   ')).toEqual([]);
    expect(queryWords('Hello, wörld! hello')).toEqual(['hello', 'wörld']);
    index.close();
  });

  it('is incremental: edited, deleted and evicted messages, renamed chats, cleared drafts', () => {
    const index = open();
    index.setChat(chatA, 'Old name');
    const msg = m(chatA, 'first version');
    index.putMessages([msg, m(chatB, 'other chat words')]);
    index.putMessages([{ ...msg, text: 'second edition' }]);
    expect(index.search('first')).toEqual([]);
    expect(index.search('edition')).toHaveLength(1);
    index.removeMessage(msg.messageId);
    expect(index.search('edition')).toEqual([]);
    index.setChat(chatA, 'New name');
    expect(index.search('old')).toEqual([]);
    expect(index.search('new')[0]!.chatTitle).toBe('New name');
    index.setDraft(chatA, 'draft words');
    index.setDraft(chatA, '');
    expect(index.search('draft')).toEqual([]);
    index.setChat(chatB, 'Other');
    index.removeChat(chatB);
    expect(index.search('other')).toEqual([]);
    expect(index.indexedChats()).toEqual([chatA]);
    index.close();
  });

  it('survives a restart, is ready at once, and keeps what it counted', () => {
    const index = open();
    index.setChat(chatA, 'Trip');
    index.putMessages([m(chatA, 'passport and tickets'), m(chatA, '')]);
    index.markBuilt();
    index.close();

    const again = open();
    expect(again.built).toBe(true);
    expect(again.search('passp')[0]!.chatTitle).toBe('Trip');
    expect(again.messageCounts()).toEqual(new Map([[chatA, 2]]));
    again.close();
  });

  it('writes no plaintext to disk (file, WAL), and a wrong key gives an empty index, not an error', () => {
    const canary = `canary${randomUUID().replaceAll('-', '')}`;
    const index = open();
    index.setChat(chatA, `${canary} title`);
    index.putMessages([m(chatA, `a message with ${canary} inside`)]);
    index.setDraft(chatA, `draft ${canary}`);
    expect(index.search(canary)).toHaveLength(3);
    // Open: the WAL holds the writes.
    expect(bytesOf(dir).includes(canary)).toBe(false);
    expect(bytesOf(dir).includes('canary')).toBe(false);
    index.close();
    expect(bytesOf(dir).includes('canary')).toBe(false);

    const other = open(new Uint8Array(randomBytes(32)));
    expect(other.search(canary)).toEqual([]);
    expect(other.built).toBe(false);
    other.wipe();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('keeps its key in the vault: made once, the same after', async () => {
    const vault = new MemoryKeyVault();
    const first = await searchIndexKey(vault);
    expect(first).toHaveLength(32);
    expect(await searchIndexKey(vault)).toEqual(first);
    await vault.set('database-key', new Uint8Array(3)); // damaged
    expect(await searchIndexKey(vault)).toHaveLength(32);
  });
});
