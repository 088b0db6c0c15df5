import { seededRandom } from '../../../../e2e/support/random';
import { type SseFrame, SseEventTooLarge, SseFramer } from './sse-framing';

/** Frames `chunks` as one stream; returns the events in order. */
function frames(chunks: Uint8Array[]): SseFrame[] {
  const out: SseFrame[] = [];
  const framer = new SseFramer((frame) => out.push(frame));
  for (const chunk of chunks) framer.push(chunk);
  return out;
}

function splitAt(bytes: Buffer, cuts: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    chunks.push(new Uint8Array(bytes.subarray(from, cut)));
    from = cut;
  }
  return chunks;
}

const BIG = `{"messages":["${'x'.repeat(3000)}"], "note": "event: fake\\n"}`;
const STREAM = Buffer.from(
  [
    '\uFEFFid: h1:0:0\nevent: connected\ndata: {"a":1}\n\n',
    `id: h1:0:500\nevent: message:sync\ndata: ${BIG}\n\n`,
    ': heartbeat\n\n',
    'event: message:teleport\ndata: {"to":"mars ✈ ü"}\n\n',
    'id: 7\r\nevent:chat:explode\r\ndata:{"b":2}\r\n\r\n',
    'id: 8\revent: two-lines\rdata: first\rdata:  second\r\r',
    'event: no-data\n\n',
    'data: nameless\n\n',
    'id: bad\0id\nevent: message:new\ndata\ndata: {}\n\n',
    'event: cut-off\ndata: never ends',
  ].join(''),
);
const EXPECTED: SseFrame[] = [
  { name: 'connected', data: '{"a":1}', id: 'h1:0:0' },
  { name: 'message:sync', data: BIG, id: 'h1:0:500' },
  { name: 'message:teleport', data: '{"to":"mars ✈ ü"}', id: null },
  { name: 'chat:explode', data: '{"b":2}', id: '7' },
  { name: 'two-lines', data: 'first\n second', id: '8' },
  { name: 'message', data: 'nameless', id: null },
  { name: 'message:new', data: '\n{}', id: null },
];

describe('SSE framing on bytes', () => {
  it('frames events as the spec says: names, ids per event, joined data lines, comments, CR/LF/CRLF, a BOM', () => {
    expect(frames([new Uint8Array(STREAM)])).toEqual(EXPECTED);
  });

  it('gives the same events wherever the network cuts the chunks (every single cut, and random cuts)', () => {
    for (let cut = 1; cut < STREAM.length; cut++) {
      expect({ cut, events: frames(splitAt(STREAM, [cut])) }).toEqual({ cut, events: EXPECTED });
    }
    const random = seededRandom(42);
    for (let run = 0; run < 300; run++) {
      const cuts = [
        ...new Set(
          Array.from({ length: 1 + Math.floor(random() * 40) }, () => 1 + Math.floor(random() * (STREAM.length - 1))),
        ),
      ].sort((a, b) => a - b);
      expect({ run, events: frames(splitAt(STREAM, cuts)) }).toEqual({ run, events: EXPECTED });
    }
  });

  it('keeps a U+FEFF inside a value, drops only the stream’s first BOM, and decodes bad UTF-8 as U+FFFD', () => {
    const bytes = Buffer.concat([
      Buffer.from('event: x\ndata: \uFEFFkept '),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('\n\n'),
    ]);
    expect(frames([new Uint8Array(bytes)])).toEqual([{ name: 'x', data: '\uFEFFkept \uFFFD\uFFFD', id: null }]);
  });

  it('does not mistake text inside a data line for a field', () => {
    const text = 'event: message:new\ndata: {"x":"\\nevent: sneaky"} event: sneaky\n\n';
    expect(frames([new Uint8Array(Buffer.from(text))])).toEqual([
      { name: 'message:new', data: '{"x":"\\nevent: sneaky"} event: sneaky', id: null },
    ]);
  });

  it('refuses an event that outgrows the limit (a server sending an endless line), whole or in pieces', () => {
    const framer = new SseFramer(() => undefined, 1_000);
    framer.push(new Uint8Array(Buffer.from(`event: ok\ndata: ${'y'.repeat(900)}\n\n`)));
    framer.push(new Uint8Array(Buffer.from(`event: big\ndata: ${'x'.repeat(600)}\n`)));
    expect(() => framer.push(new Uint8Array(Buffer.from(`data: ${'x'.repeat(600)}`)))).toThrow(SseEventTooLarge);
    const endless = new SseFramer(() => undefined, 1_000);
    expect(() => {
      for (let i = 0; i < 20; i++) endless.push(new Uint8Array(100).fill(120));
    }).toThrow(SseEventTooLarge);
  });
});
