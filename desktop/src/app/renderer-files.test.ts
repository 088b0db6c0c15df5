import path from 'node:path';
import { rendererContentType, rendererFileFor } from './renderer-files';

const DIR = path.resolve('/tmp/symc-renderer');

it('names files inside the renderer directory only', () => {
  expect(rendererFileFor(DIR, 'index.html')).toBe(path.join(DIR, 'index.html'));
  expect(rendererFileFor(DIR, '/assets/app.js')).toBe(path.join(DIR, 'assets/app.js'));
  expect(rendererFileFor('/tmp/symc-renderer/', 'a/../b.css')).toBe(path.join(DIR, 'b.css'));
  // An absolute path stays below the directory; climbing out of it, or the directory itself, is refused.
  expect(rendererFileFor(DIR, '/etc/passwd')).toBe(path.join(DIR, 'etc/passwd'));
  expect(rendererFileFor(DIR, '../symc-renderer-other/x.js')).toBeNull();
  expect(rendererFileFor(DIR, '/../../etc/passwd')).toBeNull();
  expect(rendererFileFor(DIR, '')).toBeNull();
  expect(rendererFileFor(DIR, '.')).toBeNull();
});

it('sends known types by extension and anything else as bytes', () => {
  expect(rendererContentType('x/index.html')).toBe('text/html; charset=utf-8');
  expect(rendererContentType('app.js')).toBe('text/javascript; charset=utf-8');
  expect(rendererContentType('font.woff2')).toBe('font/woff2');
  expect(rendererContentType('secrets.db')).toBe('application/octet-stream');
});
