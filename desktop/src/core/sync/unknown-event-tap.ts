/**
 * A pass-through for the SSE byte stream that reports events whose name is not in `known` (a newer
 * server, a bug): EventSource silently drops events nobody listens to, so the tap looks for them on the
 * way in. The bytes go through untouched.
 *
 * It runs on every byte of a full sync (hundreds of MB for a large account), so it works on bytes and
 * looks only at line starts: each byte is scanned once for a newline, and only `event:` lines (short) —
 * plus the first `data:` line of an unknown event — are ever decoded. History batches' long data lines
 * are skipped without being copied or decoded (decoding every chunk cost about a tenth of the desktop's
 * sync time: docs/BENCHMARKS.md).
 */
const EVENT = new TextEncoder().encode('event:');
const DATA = new TextEncoder().encode('data:');

type Relevance = 'yes' | 'no' | 'undecided';

export function unknownEventTap(
  known: ReadonlySet<string>,
  report: (name: string, data: string) => void,
): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  // The current line's bytes so far — kept only while the line matters (or may matter).
  let pieces: Uint8Array[] = [];
  let length = 0;
  let skipping = false;
  let unknown: { name: string; data: string | null } | null = null;

  /** true/false once decided; null while the line is a strict prefix of `prefix`. */
  const startsWith = (prefix: Uint8Array): boolean | null => {
    let i = 0;
    for (const piece of pieces) {
      for (let j = 0; j < piece.length && i < prefix.length; j++, i++) if (piece[j] !== prefix[i]) return false;
      if (i === prefix.length) return true;
    }
    return null;
  };
  const relevance = (complete: boolean): Relevance => {
    // A blank line (or a lone CR of a CRLF stream) ends the event.
    if (length === 0 || (length === 1 && pieces[0]![0] === 13)) return complete ? 'yes' : 'undecided';
    const event = startsWith(EVENT);
    const data = unknown ? startsWith(DATA) : false;
    if (event === true || data === true) return 'yes';
    if (!complete && (event === null || data === null)) return 'undecided';
    return 'no';
  };
  const takeLine = (): string => {
    const bytes = new Uint8Array(length);
    let offset = 0;
    for (const piece of pieces) {
      bytes.set(piece, offset);
      offset += piece.length;
    }
    pieces = [];
    length = 0;
    const text = decoder.decode(bytes);
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  };
  const handleLine = (line: string) => {
    if (line === '') {
      if (unknown) report(unknown.name, unknown.data ?? '');
      unknown = null;
    } else if (line.startsWith('event:')) {
      const name = line.slice(line.startsWith('event: ') ? 7 : 6);
      unknown = known.has(name) ? null : { name, data: null };
    } else if (unknown && unknown.data === null) {
      unknown.data = line.slice(line.startsWith('data: ') ? 6 : 5);
    }
  };

  return new TransformStream({
    transform(chunk, controller) {
      controller.enqueue(chunk);
      let pos = 0;
      while (pos < chunk.length) {
        const newline = chunk.indexOf(10, pos);
        const end = newline < 0 ? chunk.length : newline;
        if (!skipping) {
          if (end > pos) {
            pieces.push(chunk.subarray(pos, end));
            length += end - pos;
          }
          const verdict = relevance(newline >= 0);
          if (newline >= 0) {
            if (verdict === 'yes') handleLine(takeLine());
            pieces = [];
            length = 0;
          } else if (verdict === 'no') {
            pieces = [];
            length = 0;
            skipping = true;
          } else if (pieces.length > 0) {
            // Kept across chunks: own the bytes (the stream may reuse its buffers).
            pieces[pieces.length - 1] = pieces[pieces.length - 1]!.slice();
          }
        }
        if (newline < 0) break;
        skipping = false;
        pos = newline + 1;
      }
    },
  });
}
