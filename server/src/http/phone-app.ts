import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Response, Router } from 'express';
import type { ErrorBody } from '../../../common/contract';

/** Where `npm run build:phone` writes the phone web app. */
export const PHONE_APP_DIST = path.resolve(__dirname, '../../../mobile-pairing/dist');

/**
 * The page may load and talk to its own origin only. The one exception, verified in Chromium (and by
 * e2e/phone-web: without it the app can't start): `'wasm-unsafe-eval'`, because libsodium compiles its
 * inlined WebAssembly — it allows compiling wasm, still no `eval` of JavaScript. No inline script and no
 * inline <style>: React styles through the CSSOM, which this policy permits. The camera preview is a
 * MediaStream set as `srcObject`, which needs no media-src. Images may also be `blob:` — the app's own
 * object URLs for attachments it decrypted (thumbnails and full-size images, docs/ATTACHMENTS.md); a
 * blob: URL can only be made by this origin's script, never fetched from elsewhere. No data: images.
 */
export const PHONE_APP_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "media-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Vite names every file under assets/ by a hash of its content: such a name never changes meaning. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Everything else (index.html, sw.js, the manifest, icons) is revalidated on every load, so updates show at once. */
const REVALIDATE = 'no-cache';

function securityHeaders(res: Response): void {
  res.setHeader('Content-Security-Policy', PHONE_APP_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Permissions-Policy', 'camera=(self), microphone=(), geolocation=()');
}

/**
 * Serves the built phone web app at /phone/ (mount with `app.use('/phone', phoneAppRouter())`). The build
 * is looked up on every request, so building while the server runs needs no restart. Without a build,
 * /phone/ answers with a JSON error that says how to make one.
 */
export function phoneAppRouter(options: { distDir?: string } = {}): Router {
  const distDir = options.distDir ?? PHONE_APP_DIST;
  const router = Router();
  const serve = express.static(distDir, {
    index: ['index.html'],
    redirect: false,
    fallthrough: true,
    dotfiles: 'ignore',
    setHeaders: (res, filePath) => {
      const relative = path.relative(distDir, filePath).split(path.sep).join('/');
      res.setHeader('Cache-Control', relative.startsWith('assets/') ? IMMUTABLE : REVALIDATE);
      if (relative.endsWith('.webmanifest')) res.setHeader('Content-Type', 'application/manifest+json');
    },
  });

  router.use((req, res, next) => {
    securityHeaders(res);
    if (!existsSync(path.join(distDir, 'index.html'))) {
      const body: ErrorBody = {
        error: { code: 'not_found', message: 'the phone web app is not built; run "npm run build:phone" and reload' },
      };
      res.status(404).json(body);
      return;
    }
    // "/phone" → "/phone/": the app's relative URLs, manifest scope and service worker scope all start there.
    if (req.originalUrl === req.baseUrl || req.originalUrl.startsWith(`${req.baseUrl}?`)) {
      res.redirect(301, `${req.baseUrl}/${req.originalUrl.slice(req.baseUrl.length)}`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      next();
      return;
    }
    serve(req, res, next);
  });
  return router;
}
