import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * `npx tsx bench/profile-summary.ts <file.cpuprofile> [top] [--window <fromUs>:<toUs>]` — self time by
 * function and by file, for a quick read of a `npm run bench -- --profile` profile without opening
 * DevTools. `--window` keeps the samples between two instants of the profile's clock (microseconds of
 * the monotonic clock, as `process.hrtime.bigint() / 1000n` reads it in the profiled process): e.g. only
 * phase 1.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const windowAt = args.indexOf('--window');
const window = windowAt >= 0 ? args.splice(windowAt, 2)[1]?.split(':').map(Number) : null;
const [file, topArg] = args;
if (!file || (window && (window.length !== 2 || window.some((n) => !Number.isFinite(n))))) {
  console.error('usage: profile-summary.ts <file.cpuprofile> [top] [--window <fromUs>:<toUs>]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const top = Number(topArg ?? 25);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
let at = profile.startTime;
profile.samples.forEach((id, i) => {
  const delta = profile.timeDeltas[i] ?? 0;
  at += delta;
  if (window && (at < window[0]! || at > window[1]!)) return;
  selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
});
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);
const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const where = url ? path.relative(process.cwd(), url.replace(/^file:\/\//, '')) : '(native)';
  add(byFunction, `${functionName || '(anonymous)'}  ${where}:${lineNumber + 1}`, us);
  add(byFile, where.replace(/node_modules\/((@[^/]+\/)?[^/]+).*/, 'node_modules/$1'), us);
}
const print = (title: string, map: Map<string, number>) => {
  console.log(`\n${title} (total ${(total / 1000).toFixed(0)} ms)`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${(us / 1000).toFixed(1).padStart(9)} ms ${((us / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
  }
};
print('self time by file', byFile);
print('self time by function', byFunction);
