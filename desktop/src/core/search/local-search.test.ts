import { randomUUID } from 'node:crypto';
import { LocalSearch } from './local-search';
import { snippetAround } from './snippet';

const chatA = randomUUID();
const chatB = randomUUID();
const m = (chatId: string, text: string, sentAt = 1) => ({ messageId: randomUUID(), chatId, text, sentAt });

function highlighted(hit: { snippet: string; highlights: Array<[number, number]> }): string[] {
  return hit.highlights.map(([s, e]) => hit.snippet.slice(s, e));
}

describe('LocalSearch', () => {
  it('finds chats by title, messages by text and drafts, each naming its chat', () => {
    const search = new LocalSearch();
    search.setChat(chatA, 'Weekend plans');
    search.setChat(chatB, 'Book club');
    const camping = m(chatA, 'Bring the tent for the weekend');
    search.addMessages([camping, m(chatB, 'Chapter four on Thursday')]);
    search.setDraft(chatB, 'Maybe the weekend after?');

    const hits = search.search('weekend');
    expect(hits.map((h) => [h.kind, h.chatId, h.messageId]).sort()).toEqual(
      [
        ['chat', chatA, null],
        ['draft', chatB, null],
        ['message', chatA, camping.messageId],
      ].sort(),
    );
    for (const hit of hits) expect(highlighted(hit).map((t) => t.toLowerCase())).toContain('weekend');
    expect(hits.find((h) => h.kind === 'draft')!.chatTitle).toBe('Book club');
  });

  it('matches prefixes and requires every query word', () => {
    const search = new LocalSearch();
    search.setChat(chatA, 'Team');
    search.addMessages([m(chatA, 'the quarterly report is ready'), m(chatA, 'the report is late')]);
    expect(search.search('quart rep').map((h) => h.snippet)).toEqual(['the quarterly report is ready']);
    expect(search.search('report ready')).toHaveLength(1);
    expect(search.search('nothing-like-this')).toEqual([]);
    expect(search.search('   ')).toEqual([]);
  });

  it('keeps current: a re-titled chat, a changed or deleted draft, an evicted chat', () => {
    const search = new LocalSearch();
    search.setChat(chatA, 'Old name');
    search.setChat(chatA, 'New name');
    expect(search.search('old')).toEqual([]);
    expect(search.search('new')[0]!.chatTitle).toBe('New name');

    search.setDraft(chatA, 'draft about apples');
    search.setDraft(chatA, 'draft about pears');
    expect(search.search('apples')).toEqual([]);
    expect(search.search('pears')).toHaveLength(1);
    search.setDraft(chatA, '');
    expect(search.search('pears')).toEqual([]);

    const msg = m(chatA, 'unique zebra sighting');
    search.addMessages([msg, msg]); // the same message twice is one document
    expect(search.search('zebra')).toHaveLength(1);
    search.removeChat(chatA);
    expect(search.search('zebra')).toEqual([]);
    expect(search.size).toBe(0);
  });

  it('clear() drops every document', () => {
    const search = new LocalSearch();
    search.setChat(chatA, 'Secret plans');
    search.addMessages([m(chatA, 'secret stuff')]);
    search.clear();
    expect(search.size).toBe(0);
    expect(search.search('secret')).toEqual([]);
  });
});

describe('snippetAround', () => {
  it('cuts long text around the first hit at a word boundary and maps highlights into the excerpt', () => {
    const text = `${'lorem ipsum '.repeat(20)}the needle is here and another needle later ${'dolor sit '.repeat(20)}`;
    const { snippet, highlights } = snippetAround(text, ['needle']);
    expect(snippet.startsWith('…')).toBe(true);
    expect(snippet.endsWith('…')).toBe(true);
    expect(snippet.length).toBeLessThanOrEqual(162);
    expect(highlights).toHaveLength(2);
    for (const [s, e] of highlights) expect(snippet.slice(s, e)).toBe('needle');
  });

  it('only highlights at word starts', () => {
    const { snippet, highlights } = snippetAround('Cat catalog concat', ['cat']);
    expect(highlights.map(([s, e]) => snippet.slice(s, e))).toEqual(['Cat', 'cat']);
  });
});
