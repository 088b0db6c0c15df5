import type { Db } from '../../db/client';

/** A message row as Prisma reads it (its own file: message-row.ts and receipts.ts both need it). */
export type MessageRow = NonNullable<Awaited<ReturnType<Db['message']['findUnique']>>>;
