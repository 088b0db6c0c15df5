import fs from 'node:fs';
import path from 'node:path';
import { attachmentContract } from './support/attachment-contract';

/** The attachment contract on the embedded default store: files under DATA_DIR/attachments. */
describe('directory store', () => {
  const dir = (dataDir: string) => path.join(dataDir, 'attachments');
  attachmentContract(() => ({
    env: () => ({}),
    contents: async (server) => fs.readdirSync(dir(server.dataDir)).sort(),
    blobBytes: async (server, id) => {
      const file = path.join(dir(server.dataDir), id);
      return fs.existsSync(file) ? fs.readFileSync(file) : null;
    },
    holdsAnything: async (server, id) =>
      fs.existsSync(path.join(dir(server.dataDir), id)) || fs.existsSync(path.join(dir(server.dataDir), `${id}.json`)),
  }));
});
