import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';

/**
 * Makes `file` (and its directory) exist readable by this user only, before SQLite opens it. The store holds
 * ciphertext, but also who talks with whom and when. SQLite creates the -wal and -shm files with the main
 * file's mode, so 0600 here covers them; ones left by an older version (0644) are tightened too.
 */
export function preparePrivateDatabaseFile(file: string): void {
  // SQLite's in-memory database (the warm-up's) has no file to prepare.
  if (file === ':memory:') return;
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'a', 0o600));
  for (const part of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(part)) chmodSync(part, 0o600);
}
