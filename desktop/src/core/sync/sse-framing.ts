/**
 * The SSE framing of the sync stream (the WHATWG "event stream interpretation"), on bytes.
 *
 * Why not the `eventsource` package's text parser: a first sync is hundreds of MB of ~1.5 MB events whose
 * data is one line. Decoding every chunk to text and joining the pieces of that line as strings cost more
 * desktop CPU than storing the messages (docs/BENCHMARKS.md, "The sync on the main thread"). Here each chunk
 * is scanned for line ends natively (`indexOf`), the pieces of a line are kept as references to the received
 * chunks, and an event's data is copied once and decoded once when the event ends. Line ends (LF, CR, CRLF)
 * are single bytes that never occur inside a multi-byte UTF-8 sequence, so cutting on bytes is exact.
 *
 * What it keeps of the spec: a leading BOM is dropped; `:` lines are comments; `field: value` loses one
 * space after the colon; `data` lines join with LF; an event is dispatched at a blank line only if it had a
 * data line; its name defaults to `message`; an `id` holding NUL is ignored. As the `eventsource-parser` it
 * replaces, the id is the event's own (`null` when the event has none): the engine stores the position of
 * what it applied, never one the transport remembers. `retry` is ignored (the engine reconnects itself).
 */
export interface SseFrame {
  readonly name: string;
  readonly data: string;
  readonly id: string | null;
}

const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;
const EMPTY = new Uint8Array(0);
const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const DATA = ascii('data');
const EVENT = ascii('event');
const ID = ascii('id');
const BOM = [0xef, 0xbb, 0xbf];

/**
 * The largest event the desktop takes (bytes of its lines so far). Our server's largest is a history batch of
 * ~1.5 MB; a server that sends an endless line (forged, or broken) would otherwise grow this process's memory
 * without bound: past this, the framer stops and the connection is dropped.
 */
export const MAX_EVENT_BYTES = 32 * 1024 * 1024;

export class SseEventTooLarge extends Error {
  constructor(limit: number) {
    super(`the sync stream sent an event larger than ${Math.round(limit / (1024 * 1024))} MB`);
  }
}

const same = (bytes: Uint8Array, name: Uint8Array) =>
  bytes.length === name.length && bytes.every((b, i) => b === name[i]);

export class SseFramer {
  // ignoreBOM: a value that starts with U+FEFF keeps it (only the stream's first bytes lose a BOM).
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  /** The current line's bytes so far (views of received chunks; not copied until the line ends). */
  private line: Uint8Array[] = [];
  private lineLength = 0;
  private data: Uint8Array[] = [];
  private dataLength = 0;
  private name = '';
  private id: string | null = null;
  private firstLine = true;
  /** The last chunk ended with CR: an LF at the start of the next one belongs to the same line end. */
  private skipLf = false;

  constructor(
    private readonly emit: (frame: SseFrame) => void,
    private readonly maxEventBytes = MAX_EVENT_BYTES,
  ) {}

  /**
   * Takes the next bytes of the stream; complete events are emitted before it returns. Throws
   * `SseEventTooLarge` once an event outgrows `maxEventBytes` (the stream is unusable after that).
   */
  push(chunk: Uint8Array): void {
    let pos = 0;
    if (this.skipLf && chunk.length > 0) {
      this.skipLf = false;
      if (chunk[0] === LF) pos = 1;
    }
    // CR is rare (our server ends lines with LF): look for it once per chunk, and per line only if present.
    let nextCr = chunk.indexOf(CR, pos);
    while (pos < chunk.length) {
      if (nextCr >= 0 && nextCr < pos) nextCr = chunk.indexOf(CR, pos);
      const nextLf = chunk.indexOf(LF, pos);
      const end = nextCr < 0 ? nextLf : nextLf < 0 ? nextCr : Math.min(nextLf, nextCr);
      if (end < 0) {
        this.keep(chunk.subarray(pos));
        return;
      }
      this.keep(chunk.subarray(pos, end));
      this.endLine();
      pos = end + 1;
      if (chunk[end] === CR) {
        if (pos === chunk.length) this.skipLf = true;
        else if (chunk[pos] === LF) pos += 1;
      }
    }
  }

  private keep(piece: Uint8Array): void {
    if (piece.length === 0) return;
    this.line.push(piece);
    this.lineLength += piece.length;
    if (this.lineLength + this.dataLength > this.maxEventBytes) throw new SseEventTooLarge(this.maxEventBytes);
  }

  private takeLine(): Uint8Array {
    const pieces = this.line;
    const length = this.lineLength;
    this.line = [];
    this.lineLength = 0;
    return join(pieces, length);
  }

  private endLine(): void {
    let line = this.takeLine();
    if (this.firstLine) {
      this.firstLine = false;
      if (line.length >= 3 && BOM.every((b, i) => line[i] === b)) line = line.subarray(3);
    }
    if (line.length === 0) return this.dispatch();
    if (line[0] === COLON) return; // a comment (heartbeats)
    const colon = line.indexOf(COLON);
    const field = colon < 0 ? line : line.subarray(0, colon);
    let value = colon < 0 ? EMPTY : line.subarray(colon + 1);
    if (value[0] === SPACE) value = value.subarray(1);
    if (same(field, DATA)) {
      this.data.push(value);
      this.dataLength += value.length;
    } else if (same(field, EVENT)) this.name = this.decoder.decode(value);
    else if (same(field, ID)) {
      const id = this.decoder.decode(value);
      if (!id.includes('\0')) this.id = id;
    }
  }

  private dispatch(): void {
    const { data, dataLength, name, id } = this;
    this.data = [];
    this.dataLength = 0;
    this.name = '';
    this.id = null;
    if (data.length === 0) return;
    // Data lines are joined with LF: one buffer, one copy, one decode per event.
    const bytes = data.length === 1 ? data[0]! : join(data, dataLength + data.length - 1, LF);
    this.emit({ name: name || 'message', data: this.decoder.decode(bytes), id: id || null });
  }
}

/** The pieces as one buffer (the piece itself when there is one); `separator` between pieces if given. */
function join(pieces: readonly Uint8Array[], length: number, separator?: number): Uint8Array {
  if (pieces.length === 0) return EMPTY;
  if (pieces.length === 1) return pieces[0]!;
  const out = new Uint8Array(length);
  let offset = 0;
  pieces.forEach((piece, i) => {
    if (i > 0 && separator !== undefined) out[offset++] = separator;
    out.set(piece, offset);
    offset += piece.length;
  });
  return out;
}
