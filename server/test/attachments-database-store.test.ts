import { initCrypto } from '../../common/crypto';
import { attachmentContract } from './support/attachment-contract';
import { databaseStoreScenarios } from './support/database-store-scenarios';
import { startTestServer, type TestServer } from './support/test-server';

/** ATTACHMENT_STORE=database on the embedded SQLite (one instance); the PostgreSQL run shares it between two. */
describe('attachment blobs in the database (SQLite)', () => {
  let server: TestServer;
  beforeAll(async () => {
    await initCrypto();
    server = await startTestServer({ ATTACHMENT_STORE: 'database' });
  });
  afterAll(() => server.stop());
  databaseStoreScenarios(() => ({ a: server, b: server }));
});

/** The contract every store passes (support/attachment-contract.ts), on AttachmentChunk rows. */
describe('database store: the attachment contract', () => {
  const chunks = (server: TestServer, id?: string) =>
    server.server.deps.db.attachmentChunk.findMany({
      ...(id ? { where: { attachmentId: id } } : {}),
      orderBy: [{ attachmentId: 'asc' }, { offset: 'asc' }],
    });
  attachmentContract(() => ({
    env: () => ({ ATTACHMENT_STORE: 'database' }),
    contents: async (server) => (await chunks(server)).map((c) => `${c.attachmentId}@${c.offset}`),
    blobBytes: async (server, id) => {
      const rows = await chunks(server, id);
      return rows.length ? Buffer.concat(rows.map((c) => Buffer.from(c.data))) : null;
    },
    holdsAnything: async (server, id) => (await chunks(server, id)).length > 0,
  }));
});
