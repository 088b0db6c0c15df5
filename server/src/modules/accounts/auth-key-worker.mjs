// @ts-check
/**
 * A worker thread of the server's auth-key hashing pool (auth-key-hash.ts, run by piscina): Argon2id
 * (libsodium's crypto_pwhash_str / crypto_pwhash_str_verify) costs tens of milliseconds and tens of
 * megabytes per call, and on the server's own thread it stalled every other request meanwhile.
 *
 * Plain ESM, not TypeScript: a worker thread loads this file by itself, under whatever started the
 * server (tsx, jest, node), none of which compiles TypeScript for a worker. It imports libsodium directly
 * (not through common/crypto, which is TypeScript) and does exactly the two calls below.
 */
// eslint-disable-next-line symc/layering -- a plain-ESM worker can't load common/crypto (TypeScript); see above
import sodium from 'libsodium-wrappers-sumo';

await sodium.ready;

/**
 * @param {{ op: 'hash', authKey: string, opsLimit: number, memLimit: number }
 *   | { op: 'verify', authKey: string, hash: string }} task
 * @returns {string | boolean}
 */
export default function run(task) {
  if (task.op === 'hash') return sodium.crypto_pwhash_str(task.authKey, task.opsLimit, task.memLimit);
  try {
    return sodium.crypto_pwhash_str_verify(task.hash, task.authKey);
  } catch {
    // A malformed stored hash verifies nothing.
    return false;
  }
}
