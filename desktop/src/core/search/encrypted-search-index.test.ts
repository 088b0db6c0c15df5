import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
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

  it('answers the newest matches first (titles and drafts before them), at most the limit', () => {
    const index = open();
    index.setChat(chatA, 'the plans');
    const base = Date.UTC(2026, 0, 1);
    // Indexed out of time order (as a build walks chats), some in the same millisecond.
    const messages = Array.from({ length: 300 }, (_, i) =>
      m(i % 2 ? chatA : chatB, `the message ${i}`, base + (i % 150)),
    );
    index.putMessages(messages.slice(150));
    index.putMessages(messages.slice(0, 150));
    index.setDraft(chatB, 'the draft');

    const hits = index.search('the', 50);
    expect(hits).toHaveLength(50);
    expect(hits.slice(0, 2).map((h) => h.kind)).toEqual(['draft', 'chat']); // the draft was written last
    const sent = hits.slice(2).map((h) => h.sentAt!);
    expect(sent).toEqual([...sent].sort((a, b) => b - a));
    expect(sent[0]).toBe(base + 149);
    expect(new Set(hits.slice(2, 4).map((h) => h.sentAt))).toEqual(new Set([base + 149])); // both of that ms
    // Every match is reachable with a larger limit; an edit keeps a message's place in time.
    expect(index.search('the', 1000).filter((h) => h.kind === 'message')).toHaveLength(300);
    const oldest = messages[0]!;
    index.putMessages([{ ...oldest, text: 'the edited oldest' }]);
    expect(
      index
        .search('the', 1000)
        .slice(-2)
        .map((h) => h.messageId),
    ).toContain(oldest.messageId);
    index.close();
  });

  it('indexes forged times: none, negative, far future, and more messages in one millisecond than it has slots', () => {
    const index = open();
    index.setChat(chatA, 'Forged');
    const crowd = Array.from({ length: 1100 }, () => m(chatA, 'crowded', 5));
    index.putMessages([
      ...crowd,
      m(chatA, 'odd nan', Number.NaN),
      m(chatA, 'odd past', -1e15),
      m(chatA, 'odd future', 1e20),
    ]);
    expect(index.search('crowded', 2000)).toHaveLength(1100);
    expect(index.search('odd')).toHaveLength(3);
    expect(index.search('odd')[0]!.snippet).toBe('odd future');
    expect(index.messageCounts()).toEqual(new Map([[chatA, 1103]]));
    index.close();
  });

  it('an index of the previous version (1: bm25 over every match) is dropped and built again, not reused', () => {
    // Version 1's schema, as the previous release wrote it, built and holding a message.
    const old = new Database(file);
    old.pragma("cipher = 'sqlcipher'");
    old.pragma(`key = "x'${Buffer.from(key).toString('hex')}'"`);
    old.exec(`
      CREATE TABLE docs (rowid INTEGER PRIMARY KEY, doc_id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
        chat_id TEXT NOT NULL, message_id TEXT, sender_user_id TEXT, sent_at INTEGER);
      CREATE INDEX docs_chat ON docs (chat_id);
      CREATE TABLE chats (chat_id TEXT PRIMARY KEY, title TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      CREATE VIRTUAL TABLE fts USING fts5(text, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');
      INSERT INTO chats VALUES ('${chatA}', 'Old title');
      INSERT INTO docs VALUES (1, 'message:x', 'message', '${chatA}', 'x', '${sender}', 1);
      INSERT INTO fts (rowid, text) VALUES (1, 'left from version one');
      INSERT INTO state VALUES ('built', '1');
      PRAGMA user_version = 1;
    `);
    old.close();

    const index = open();
    expect(index.built).toBe(false); // the feeder builds it from the store
    expect(index.search('version')).toEqual([]);
    expect(index.indexedChats()).toEqual([]);
    index.setChat(chatA, 'New title');
    index.putMessages([m(chatA, 'version two words')]);
    expect(index.search('version').map((h) => h.kind)).toEqual(['message']);
    index.close();
    const again = open();
    expect(again.search('version')).toHaveLength(1);
    again.close();
  });

  it('build slices share one open transaction: searchable at once, a failed slice drops only its own writes, kept on close', () => {
    const index = open();
    index.slice(() => index.setChat(chatA, 'Walk'));
    index.slice(() => index.putMessages([m(chatA, 'first slice words', 2)]));
    expect(index.search('slice')).toHaveLength(1); // the same connection reads the open transaction
    expect(() =>
      index.slice(() => {
        index.putMessages([m(chatA, 'lost slice words', 3)]);
        throw new Error('store gone');
      }),
    ).toThrow('store gone');
    expect(index.search('slice')).toHaveLength(1);
    index.setDraft(chatA, 'a live write commits the open ones first');
    index.slice(() => index.putMessages([m(chatA, 'third slice words', 4)]));
    index.close(); // commits the open slices

    const again = open();
    expect(again.search('slice').map((h) => h.snippet)).toEqual(['third slice words', 'first slice words']);
    expect(again.search('live')).toHaveLength(1);
    again.close();
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
