import { once } from 'node:events';
import http from 'node:http';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { MessageRecord } from '../common/contract';
import { type ChatKey, decryptBytes } from '../common/crypto';
import { migrate } from '../desktop/src/core/store/migrations';

/**
 * The machine's own limits on the data a full sync moves: the least any implementation must spend to get
 * those bytes across loopback and parsed, to open every envelope, and to store every row in the desktop's
 * schema. Full-sync time over their sum is the benchmark's ratio: 1.0 would be a sync with no overhead at
 * all beyond these three stages done back to back on one thread.
 */
export interface Limits {
  readonly transferParseMs: number;
  readonly decryptMs: number;
  readonly insertMs: number;
  readonly limitMs: number;
}

/** Reads the messages of `chatIds` from the server's SQLite file as the wire shape (`toMessageRecord`). */
export function readMessageRecords(serverDbFile: string, chatIds: readonly string[]): MessageRecord[] {
  const db = new Database(serverDbFile, { readonly: true });
  const stmt = db.prepare('SELECT * FROM "Message" WHERE chatId = ? ORDER BY createdAt, id');
  const records: MessageRecord[] = [];
  for (const chatId of chatIds) {
    for (const row of stmt.all(chatId) as Array<Record<string, string>>) {
      records.push({
        messageId: row.id!,
        chatId: row.chatId!,
        senderUserId: row.senderUserId!,
        senderDeviceId: row.senderDeviceId!,
        clientKey: row.clientKey!,
        ciphertext: row.ciphertext!,
        status: row.status as MessageRecord['status'],
        createdAt: new Date(row.createdAt!).toISOString(),
      });
    }
  }
  db.close();
  return records;
}

/** The same SSE framing and batch size as the server's `message:sync` events. */
export function sseBatches(records: readonly MessageRecord[], batchSize: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < records.length; i += batchSize) {
    const payload = { phase: 3, messages: records.slice(i, i + batchSize), chatsCompleted: [] };
    out.push(`id: h0:0:${i}\nevent: message:sync\ndata: ${JSON.stringify(payload)}\n\n`);
  }
  return out;
}

// A plain HTTP server on its own thread (its own core, as the real server has its own process).
const SERVE = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const server = http.createServer(async (req, res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const chunk of workerData.batches) {
    if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
  }
  res.end();
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', () => server.close(() => process.exit(0)));
`;

/**
 * Splits an SSE text stream into blocks (events) as chunks arrive. Pieces of the event in flight are
 * joined once, when its blank line arrives: each character is searched once and copied once (a growing
 * `pending += chunk` string is re-flattened on every chunk).
 */
export function sseBlocks(onBlock: (block: string) => void): (chunk: string) => void {
  let parts: string[] = [];
  return (chunk) => {
    let start = 0;
    const last = parts.at(-1);
    if (last !== undefined && last.endsWith('\n') && chunk.startsWith('\n')) {
      onBlock(parts.join('').slice(0, -1));
      parts = [];
      start = 1;
    }
    let end: number;
    while ((end = chunk.indexOf('\n\n', start)) >= 0) {
      onBlock(parts.length > 0 ? parts.join('') + chunk.slice(start, end) : chunk.slice(start, end));
      parts = [];
      start = end + 2;
    }
    if (start < chunk.length) parts.push(chunk.slice(start));
  };
}

/**
 * Node's plain http client (not fetch's web streams: the limit is the machine's, not a library's), the
 * same framing split on blank lines, one JSON.parse per batch.
 */
export async function measureTransferParse(batches: readonly string[]): Promise<{ ms: number; messages: number }> {
  const worker = new Worker(SERVE, { eval: true, workerData: { batches } });
  const [port] = (await once(worker, 'message')) as [number];
  const started = performance.now();
  const messages = await new Promise<number>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        res.setEncoding('utf8');
        let count = 0;
        res.on(
          'data',
          sseBlocks((block) => {
            count += (JSON.parse(block.slice(block.indexOf('data: ') + 6)) as { messages: unknown[] }).messages.length;
          }),
        );
        res.on('end', () => resolve(count));
        res.on('error', reject);
      })
      .on('error', reject);
  });
  const ms = performance.now() - started;
  worker.postMessage('stop');
  await once(worker, 'exit');
  return { ms, messages };
}

export function measureDecrypt(records: readonly MessageRecord[], keys: ReadonlyMap<string, ChatKey>): number {
  const started = performance.now();
  for (const m of records) {
    decryptBytes(keys.get(m.chatId)!, m.ciphertext, { kind: 'message-body', chatId: m.chatId, messageId: m.messageId });
  }
  return performance.now() - started;
}

/** One transaction, one prepared statement (positional, as the desktop binds it), the desktop's own schema and pragmas (WAL, synchronous=NORMAL). */
export function measureInsert(records: readonly MessageRecord[], dir: string, file = 'limit-insert.db'): number {
  const db = new Database(path.join(dir, file));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  migrate(db);
  const insert = db.prepare(`
    INSERT INTO messages (id, chat_id, sender_user_id, sender_device_id, client_key, ciphertext, status, created_at, size)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const started = performance.now();
  db.transaction(() => {
    for (const m of records)
      insert.run(
        m.messageId,
        m.chatId,
        m.senderUserId,
        m.senderDeviceId,
        m.clientKey,
        m.ciphertext,
        m.status,
        m.createdAt,
        m.ciphertext.length,
      );
  })();
  const ms = performance.now() - started;
  db.close();
  return ms;
}

export async function measureLimits(
  records: readonly MessageRecord[],
  keys: ReadonlyMap<string, ChatKey>,
  dir: string,
  batchSize: number,
): Promise<Limits> {
  // Each stage runs once on a slice first: a limit is what the machine does warmed up (JIT, caches).
  const warm = records.slice(0, Math.min(records.length, 5_000));
  await measureTransferParse(sseBatches(warm, batchSize));
  measureDecrypt(warm, keys);
  measureInsert(warm, dir, 'limit-warm.db');
  const transfer = await measureTransferParse(sseBatches(records, batchSize));
  if (transfer.messages !== records.length)
    throw new Error(`transfer limit parsed ${transfer.messages} of ${records.length} messages`);
  const decryptMs = measureDecrypt(records, keys);
  const insertMs = measureInsert(records, dir);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    transferParseMs: round(transfer.ms),
    decryptMs: round(decryptMs),
    insertMs: round(insertMs),
    limitMs: round(transfer.ms + decryptMs + insertMs),
  };
}
