import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const root = path.join(import.meta.dirname, 'web');
const publicDir = path.join(root, 'public');
const SW_ENTRY = 'sw';
const SHELL_PLACEHOLDER = /(["'`])__SYMC_SHELL_MANIFEST__\1/;

function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}

/**
 * The service worker precaches the app shell — the files this build emits plus the public folder —
 * and nothing else. Its list and cache version are written into sw.js here, after bundling, when the
 * hashed file names are known. (API responses are never cached: they live outside /phone/.)
 */
function appShellManifest(): Plugin {
  return {
    name: 'symc-app-shell-manifest',
    apply: 'build',
    generateBundle(_options, bundle) {
      const sw = Object.values(bundle).find((item) => item.type === 'chunk' && item.name === SW_ENTRY);
      if (!sw || sw.type !== 'chunk') this.error('the service worker entry was not built');
      const hash = createHash('sha256');
      const emitted = Object.values(bundle)
        .filter((item) => item !== sw && !item.fileName.endsWith('.map'))
        .map((item) => {
          hash.update(item.fileName).update(item.type === 'chunk' ? item.code : item.source);
          return item.fileName;
        });
      const fromPublic = filesUnder(publicDir).map((file) => {
        hash.update(file).update(readFileSync(path.join(publicDir, file)));
        return file;
      });
      // index.html is the shell itself; it is cached under the scope URL ("./"), which is what a launch opens.
      const files = ['./', ...[...emitted, ...fromPublic].filter((f) => f !== 'index.html').sort()];
      const manifest = { version: hash.digest('hex').slice(0, 16), files };
      if (!SHELL_PLACEHOLDER.test(sw.code)) this.error('the service worker has no shell manifest placeholder');
      sw.code = sw.code.replace(SHELL_PLACEHOLDER, JSON.stringify(JSON.stringify(manifest)));
    },
  };
}

/** `npm run build:phone` → mobile-pairing/dist, served by the server at /phone/. */
export default defineConfig({
  root,
  base: '/phone/',
  publicDir,
  plugins: [react(), appShellManifest()],
  build: {
    outDir: path.join(import.meta.dirname, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // libsodium is one large module (its WebAssembly is inlined); splitting would not make it smaller.
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      input: { index: path.join(root, 'index.html'), [SW_ENTRY]: path.join(root, 'src/sw/service-worker.ts') },
      output: {
        entryFileNames: (chunk) => (chunk.name === SW_ENTRY ? 'sw.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
  server: {
    // `vite --config mobile-pairing/vite.config.mts` for UI work: the API is proxied to a local `npm run server`.
    // Pairing links name the server's origin, so link desktops through the built app at :8787/phone/.
    proxy: Object.fromEntries(
      ['/auth', '/me', '/devices', '/users', '/chats', '/sync', '/sse', '/attachments', '/healthz'].map((p) => [
        p,
        'http://127.0.0.1:8787',
      ]),
    ),
  },
});
