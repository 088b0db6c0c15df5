/**
 * A sentence for the user when the local store refused a write while syncing. A full disk (SQLITE_FULL) is
 * the common case on a laptop; the stream's position is stored with the data, so nothing is skipped: the
 * events that could not be stored come again after the reconnect.
 */
export function describeStoreFailure(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_FULL')
    return 'The disk is full: synced messages cannot be saved on this computer. Free some space; syncing resumes by itself.';
  if (code === 'SQLITE_READONLY' || code === 'SQLITE_IOERR' || code === 'SQLITE_CANTOPEN') {
    return `This computer's copy of your chats cannot be written (${String(code)}); syncing resumes once it can.`;
  }
  return `Synced data could not be saved on this computer: ${(error as Error).message ?? String(error)}`;
}
