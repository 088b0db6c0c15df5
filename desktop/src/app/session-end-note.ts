import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SessionEndView } from '../../../common/contract/ipc';

/**
 * Why the last session ended, kept on disk until this desktop is linked again, so the pairing screen can
 * say it even when the end was noticed with no window open, or before a restart ("signed out after 30
 * days without use" on the next start). It holds a reason and a time only: nothing of the account, so it
 * survives the wipe of the store and the keys without keeping anything they protected.
 */
export class SessionEndNote {
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'session-end.json');
  }

  /** The stored note; null when there is none, or it can't be read (a damaged note just isn't shown). */
  read(): SessionEndView | null {
    try {
      const parsed = SessionEndView.safeParse(JSON.parse(readFileSync(this.file, 'utf8')));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  write(note: SessionEndView): void {
    writeFileSync(this.file, JSON.stringify(note), { mode: 0o600 });
  }

  /** Linked again (or signed out on purpose): the old end no longer explains anything. */
  clear(): void {
    rmSync(this.file, { force: true });
  }
}
