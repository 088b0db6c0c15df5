import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { notFoundHandler } from './error-handler';
import { PHONE_APP_CSP, phoneAppRouter } from './phone-app';

describe('serving the phone web app at /phone/', () => {
  let dist: string;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    dist = mkdtempSync(path.join(os.tmpdir(), 'symc-phone-dist-'));
    const app = express();
    app.use('/phone', phoneAppRouter({ distDir: dist }));
    app.use(notFoundHandler);
    server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dist, { recursive: true, force: true });
  });

  function build(): void {
    mkdirSync(path.join(dist, 'assets'), { recursive: true });
    writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>Symc</title>');
    writeFileSync(path.join(dist, 'assets', 'index-AbC123.js'), 'console.log(1)');
    writeFileSync(path.join(dist, 'sw.js'), '/* sw */');
    writeFileSync(path.join(dist, 'manifest.webmanifest'), '{}');
  }

  it('when the app is not built, /phone/ answers 404 JSON saying to run npm run build:phone', async () => {
    const response = await fetch(`${url}/phone/`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { code: 'not_found', message: expect.stringContaining('npm run build:phone') },
    });
  });

  describe('once built', () => {
    beforeAll(build);

    it('index.html is revalidated on every load and carries the self-only CSP', async () => {
      const response = await fetch(`${url}/phone/`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/text\/html/);
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('content-security-policy')).toBe(PHONE_APP_CSP);
      expect(PHONE_APP_CSP).toMatch(/default-src 'self'/);
      expect(PHONE_APP_CSP).not.toMatch(/'unsafe-inline'|'unsafe-eval'|https?:|\*/);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    });

    it('hashed assets are cached for a year as immutable', async () => {
      const response = await fetch(`${url}/phone/assets/index-AbC123.js`);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    });

    it('the service worker and the manifest are revalidated, the manifest with its own type', async () => {
      const sw = await fetch(`${url}/phone/sw.js`);
      expect(sw.headers.get('cache-control')).toBe('no-cache');
      const manifest = await fetch(`${url}/phone/manifest.webmanifest`);
      expect(manifest.headers.get('content-type')).toMatch(/application\/manifest\+json/);
    });

    it('/phone redirects to /phone/ (the app and service worker scope)', async () => {
      const response = await fetch(`${url}/phone`, { redirect: 'manual' });
      expect(response.status).toBe(301);
      expect(response.headers.get('location')).toBe('/phone/');
    });

    it('a file that is not in the build is a JSON 404, not the app', async () => {
      const response = await fetch(`${url}/phone/assets/missing.js`);
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_found');
    });
  });
});
