import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { AttachmentRef } from '../../../../common/content';
import {
  type AttachmentContext,
  attachmentCiphertextSize,
  CryptoError,
  decodeAttachmentKey,
} from '../../../../common/crypto';
import { openBlobFile, verifyBlobFile } from './blob-files';
import { downloadBlob, type TransferOptions } from './blob-transfer';

export interface CachedBlob {
  readonly id: string;
  readonly chatId: string;
  readonly bytes: number;
  /** Last fetch or open (ms): eviction goes least recently used first. */
  readonly usedAt: number;
}

/** What opening an attachment can end in, for the UI. */
export type AttachmentProblem = 'damaged' | 'unavailable';

export class AttachmentError extends Error {
  constructor(
    readonly problem: AttachmentProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AttachmentError';
  }
}

/**
 * The desktop's attachment cache: blobs exactly as the server holds them (secretstream ciphertext), one
 * file per attachment id under `dir` — no names, no types, no plaintext; the keys live only in the
 * message bodies. A blob is authenticated completely before it counts as cached; a damaged one is deleted
 * and reported as such. Its bytes count in the storage budget (`bytes()`), and `evictTo` removes the least
 * recently used blobs (never a pinned one: an upload in progress, a file being opened) until it fits.
 */
export class AttachmentCache {
  private readonly entries = new Map<string, CachedBlob>();
  private readonly pinned = new Set<string>();
  /** Strictly increasing use times (two uses in one millisecond still have an order). */
  private lastUse = 0;

  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Index what an earlier run left; partial downloads (`.part`) stay for their resume but don't count.
    for (const name of fs.readdirSync(dir)) {
      const match = /^([0-9a-f-]{36})\.([0-9a-f-]{36})\.blob$/.exec(name);
      if (!match) continue;
      const stat = fs.statSync(path.join(dir, name));
      this.entries.set(match[2]!, { id: match[2]!, chatId: match[1]!, bytes: stat.size, usedAt: stat.mtimeMs });
    }
  }

  bytes(): number {
    let total = 0;
    for (const entry of this.entries.values()) total += entry.bytes;
    return total;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  list(): CachedBlob[] {
    return [...this.entries.values()];
  }

  /** Takes over a blob this desktop sealed and uploaded (the sender never downloads its own file). */
  async adopt(blobPath: string, context: AttachmentContext): Promise<void> {
    const target = this.file(context);
    await fsp.rename(blobPath, target);
    this.remember(context, (await fsp.stat(target)).size);
  }

  /**
   * Makes sure the blob is here and sound: downloads what is missing (resuming a partial file), then checks
   * every chunk, the digest and the size. Returns the blob's path.
   */
  async fetch(ref: AttachmentRef, context: AttachmentContext, transfer: TransferOptions): Promise<string> {
    const target = this.file(context);
    if (this.entries.has(ref.id)) {
      this.touch(ref.id);
      return target;
    }
    const partial = `${target}.part`;
    this.pinned.add(ref.id);
    try {
      try {
        await downloadBlob(transfer, ref.id, partial, attachmentCiphertextSize(ref.size));
      } catch (error) {
        throw new AttachmentError('unavailable', 'the attachment could not be downloaded', { cause: error });
      }
      try {
        await verifyBlobFile(partial, decodeAttachmentKey(ref.key), context, ref);
      } catch (error) {
        await fsp.rm(partial, { force: true });
        if (error instanceof CryptoError)
          throw new AttachmentError('damaged', 'the attachment is damaged', { cause: error });
        throw error;
      }
      await fsp.rename(partial, target);
      this.remember(context, attachmentCiphertextSize(ref.size));
      return target;
    } finally {
      this.pinned.delete(ref.id);
    }
  }

  /** Fetches if needed and decrypts to `destPath` (a save dialog's choice, or a temporary file to show). */
  async open(
    ref: AttachmentRef,
    context: AttachmentContext,
    transfer: TransferOptions,
    destPath: string,
  ): Promise<void> {
    const blob = await this.fetch(ref, context, transfer);
    this.pinned.add(ref.id);
    try {
      await openBlobFile(blob, destPath, decodeAttachmentKey(ref.key), context, ref);
    } catch (error) {
      if (!(error instanceof CryptoError)) throw error;
      // Changed on disk since it was checked: drop it, so the next open downloads it again.
      await this.remove(ref.id);
      throw new AttachmentError('damaged', 'the attachment is damaged', { cause: error });
    } finally {
      this.pinned.delete(ref.id);
    }
  }

  /** Removes least recently used blobs until the cache holds at most `maxBytes`. Returns the removed ids. */
  async evictTo(maxBytes: number): Promise<string[]> {
    let total = this.bytes();
    const removed: string[] = [];
    for (const entry of [...this.entries.values()].sort((a, b) => a.usedAt - b.usedAt)) {
      if (total <= maxBytes) break;
      if (this.pinned.has(entry.id)) continue;
      await this.remove(entry.id);
      total -= entry.bytes;
      removed.push(entry.id);
    }
    return removed;
  }

  /** A chat left the store (evicted by the budget, or removed): its blobs go with it. */
  async evictChat(chatId: string): Promise<void> {
    for (const entry of [...this.entries.values()]) if (entry.chatId === chatId) await this.remove(entry.id);
  }

  async remove(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    await fsp.rm(path.join(this.dir, `${entry.chatId}.${id}.blob`), { force: true });
  }

  private file(context: AttachmentContext): string {
    return path.join(this.dir, `${context.chatId}.${context.attachmentId}.blob`);
  }

  private now(): number {
    this.lastUse = Math.max(Date.now(), this.lastUse + 1);
    return this.lastUse;
  }

  private remember(context: AttachmentContext, bytes: number): void {
    this.entries.set(context.attachmentId, {
      id: context.attachmentId,
      chatId: context.chatId,
      bytes,
      usedAt: this.now(),
    });
  }

  private touch(id: string): void {
    const entry = this.entries.get(id);
    if (entry) this.entries.set(id, { ...entry, usedAt: this.now() });
  }
}
