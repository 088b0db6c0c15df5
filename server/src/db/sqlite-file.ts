import fs from 'node:fs';
import path from 'node:path';

/** The server cannot start on this machine as configured; the message is one sentence for the operator. */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** Only the server's user may read the database: it holds password hashes and every ciphertext. */
export const DATABASE_FILE_MODE = 0o600;

function cause(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  return code ? `${code}: ${message.replace(/^[A-Z]+: /, '').replace(/,.*$/, '')}` : String(error);
}

/** The file a `file:` URL names (relative paths resolve against the cwd, as the Prisma adapter does). */
export function sqliteFilePath(databaseUrl: string): string | null {
  const file = databaseUrl.slice('file:'.length).replace(/\?.*$/, '');
  return file && !file.startsWith(':memory:') ? path.resolve(file) : null;
}

/**
 * Before SQLite sees it: the directory exists, the database file exists with mode 0600 and opens for writing,
 * and the directory is writable (SQLite puts its journal beside the file, with the file's mode). Each failure
 * is a StartupError naming the path and the cause, instead of SQLite's "unable to open database file" — or,
 * worse, a server that starts on a read-only file and fails every write.
 */
export function prepareSqliteFile(file: string): void {
  const dir = path.dirname(file);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new StartupError(
      `Cannot create the database directory ${dir} (${cause(error)}); set DATA_DIR to a directory the server can write to.`,
    );
  }
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, DATABASE_FILE_MODE);
  } catch (error) {
    throw new StartupError(
      `Cannot open the database file ${file} for writing (${cause(error)}); set DATA_DIR to a directory the server can write to.`,
    );
  }
  try {
    // A file created by an older version (0644) is tightened too.
    fs.fchmodSync(fd, DATABASE_FILE_MODE);
  } catch {
    // Not the owner (e.g. a file provisioned by root for this user): it still opens for writing, so go on.
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (error) {
    throw new StartupError(
      `The database directory ${dir} is not writable (${cause(error)}); SQLite writes its journal there.`,
    );
  }
}
