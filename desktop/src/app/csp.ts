/**
 * The renderer's Content-Security-Policy, sent as a header by both shells (Electron's session, the headless
 * host). The renderer's index.html carries the same policy minus `frame-ancestors` (ignored in a meta tag)
 * as a second line of defence. Scripts and styles come only from the app itself; no inline script, no eval;
 * the QR is a data: image; the only connection allowed is back to the app's own origin (headless bridge).
 */
export const RENDERER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
  "frame-ancestors 'none'",
].join('; ');
