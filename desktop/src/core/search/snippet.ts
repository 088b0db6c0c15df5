const CONTEXT_BEFORE = 40;
const SNIPPET_CHARS = 160;

/**
 * A short excerpt of `text` around the first place one of `terms` occurs (at a word start, case-insensitive),
 * with the [start, end) ranges of every occurrence inside the excerpt — the UI wraps those in <mark>.
 */
export function snippetAround(
  text: string,
  terms: readonly string[],
): { snippet: string; highlights: Array<[number, number]> } {
  const lower = text.toLowerCase();
  const words = [...new Set(terms.map((t) => t.toLowerCase()).filter((t) => t.length > 0))].sort(
    (a, b) => b.length - a.length,
  );
  const hits: Array<[number, number]> = [];
  for (const word of words) {
    let from = 0;
    for (;;) {
      const at = lower.indexOf(word, from);
      if (at < 0) break;
      const atWordStart = at === 0 || !/[\p{L}\p{N}]/u.test(lower[at - 1]!);
      if (atWordStart && !hits.some(([s, e]) => at < e && at + word.length > s)) hits.push([at, at + word.length]);
      from = at + 1;
    }
  }
  hits.sort((a, b) => a[0] - b[0]);
  return snippetOfRanges(text, hits);
}

/** A short excerpt of `text` around the first of `hits` ([start, end) ranges, sorted), with those inside it. */
export function snippetOfRanges(
  text: string,
  hits: ReadonlyArray<readonly [number, number]>,
): { snippet: string; highlights: Array<[number, number]> } {
  const first = hits[0]?.[0] ?? 0;
  let start = Math.max(0, first - CONTEXT_BEFORE);
  // Start at a word boundary when cutting into the text.
  if (start > 0) {
    const space = text.indexOf(' ', start);
    if (space >= 0 && space < first) start = space + 1;
  }
  const end = Math.min(text.length, start + SNIPPET_CHARS);
  const prefix = start > 0 ? '…' : '';
  const suffix = end < text.length ? '…' : '';
  const snippet = prefix + text.slice(start, end) + suffix;
  const highlights = hits
    .filter(([s, e]) => s >= start && e <= end)
    .map(([s, e]): [number, number] => [s - start + prefix.length, e - start + prefix.length]);
  return { snippet, highlights };
}

export const MARK_START = '\u0001';
export const MARK_END = '\u0002';

/** Text with matches wrapped in MARK_START/MARK_END (SQLite FTS5 highlight()) → plain text and ranges. */
export function unmark(marked: string): { text: string; ranges: Array<[number, number]> } {
  let text = '';
  const ranges: Array<[number, number]> = [];
  let open = -1;
  for (const ch of marked) {
    if (ch === MARK_START) open = text.length;
    else if (ch === MARK_END) {
      if (open >= 0 && text.length > open) ranges.push([open, text.length]);
      open = -1;
    } else text += ch;
  }
  return { text, ranges };
}
