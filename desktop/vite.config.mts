import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The desktop renderer → desktop/dist/renderer. `base: './'`: the same files are loaded by Electron from
 * its app:// protocol and by the headless host under /<token>/, so every URL in them is relative.
 * (Main, preload and the headless bridge are built by desktop/build.mts.)
 */
export default defineConfig({
  root: path.join(import.meta.dirname, 'src/renderer'),
  base: './',
  publicDir: false,
  plugins: [react()],
  build: {
    outDir: path.join(import.meta.dirname, 'dist/renderer'),
    emptyOutDir: true,
    target: 'chrome130',
    sourcemap: false,
    // No module-preload polyfill: it would be an inline script, which the CSP forbids (and Chromium has it).
    modulePreload: { polyfill: false },
  },
});
