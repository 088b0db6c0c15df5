import { seededRandom } from '../../../../e2e/support/random';
import { unknownEventTap } from './unknown-event-tap';

const KNOWN = new Set(['connected', 'message:sync', 'message:new', 'cache_primed']);

/** Runs `chunks` through the tap; returns what it reported and the bytes that came out. */
async function tap(chunks: Uint8Array[]): Promise<{ reported: Array<[string, string]>; out: Buffer }> {
  const reported: Array<[string, string]> = [];
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  }).pipeThrough(unknownEventTap(KNOWN, (name, data) => reported.push([name, data])));
  const out: Uint8Array[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) out.push(chunk);
  return { reported, out: Buffer.concat(out) };
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

const STREAM = Buffer.from(
  [
    'id: h1:0:0\nevent: connected\ndata: {"a":1}\n\n',
    `id: h1:0:500\nevent: message:sync\ndata: {"messages":["${'x'.repeat(3000)}"], "note": "event: fake\\n"}\n\n`,
    ': heartbeat\n\n',
    'event: message:teleport\ndata: {"to":"mars ✈"}\n\n',
    'id: 7\r\nevent:chat:explode\r\ndata:{"b":2}\r\n\r\n',
    'event: message:new\ndata: {}\n\n',
    'event: no-data\n\n',
  ].join(''),
);
const EXPECTED: Array<[string, string]> = [
  ['message:teleport', '{"to":"mars ✈"}'],
  ['chat:explode', '{"b":2}'],
  ['no-data', ''],
];

describe('the unknown-event tap on the sync stream', () => {
  it('reports exactly the events the contract does not know, with their data, and passes every byte through', async () => {
    const { reported, out } = await tap([new Uint8Array(STREAM)]);
    expect(reported).toEqual(EXPECTED);
    expect(out.equals(STREAM)).toBe(true);
  });

  it('finds the same events wherever the network cuts the chunks (every single cut, and random cuts)', async () => {
    for (let cut = 1; cut < STREAM.length; cut++) {
      const { reported } = await tap(splitAt(STREAM, [cut]));
      expect({ cut, reported }).toEqual({ cut, reported: EXPECTED });
    }
    const random = seededRandom(42);
    for (let run = 0; run < 200; run++) {
      const cuts = [
        ...new Set(
          Array.from({ length: 1 + Math.floor(random() * 30) }, () => 1 + Math.floor(random() * (STREAM.length - 1))),
        ),
      ].sort((a, b) => a - b);
      const { reported, out } = await tap(splitAt(STREAM, cuts));
      expect({ run, reported }).toEqual({ run, reported: EXPECTED });
      expect(out.equals(STREAM)).toBe(true);
    }
  });

  it('does not mistake text inside a data line for an event line', async () => {
    const { reported } = await tap([
      new Uint8Array(Buffer.from('event: message:new\ndata: {"x":"\\nevent: sneaky"} event: sneaky\n\n')),
    ]);
    expect(reported).toEqual([]);
  });
});
