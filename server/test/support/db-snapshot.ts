import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';

/**
 * A fingerprint of every row of every table, read straight from the SQLite file: "nothing changed"
 * assertions compare two of these. (Device.lastSeenAt is excluded: it is a once-a-minute hint that
 * authenticated requests may refresh.)
 */
export function dbSnapshot(dbFile: string): Record<string, string> {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as Array<{ name: string }>;
    const snapshot: Record<string, string> = {};
    for (const { name } of tables) {
      const rows = db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all() as Array<Record<string, unknown>>;
      const stable = rows.map((row) => {
        const { lastSeenAt: _ignored, ...rest } = row;
        return name === 'Device' ? rest : row;
      });
      snapshot[name] = `${rows.length}:${createHash('sha256').update(JSON.stringify(stable)).digest('hex')}`;
    }
    return snapshot;
  } finally {
    db.close();
  }
}

/** Every byte of the database files (main file, WAL, journal) as one buffer, for plaintext canary searches. */
export function readDatabaseBytes(dbFile: string): Buffer {
  const parts = [dbFile, `${dbFile}-wal`, `${dbFile}-journal`, `${dbFile}-shm`]
    .filter((file) => existsSync(file))
    .map((file) => readFileSync(file));
  return Buffer.concat(parts);
}
