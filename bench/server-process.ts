import { loadConfig } from '../server/src/config';
import { type RunningServer, startServer } from '../server/src/server';
import { cpuMs, peakRssMb, serveParent } from './child';
import { MemorySampler } from './memory-sampler';

/**
 * The Symc server in its own process, configured like production except for the auth-key hash cost
 * (`minimal`, for benchmarks and tests only) and the limits a benchmark exceeds on purpose (devices per
 * account for fan-out, rate limits). Logs are silenced: pino on stdout would cost the server real time.
 */
let server: RunningServer | null = null;
const memory = new MemorySampler();

serveParent(async (message, reply) => {
  switch (message.type) {
    case 'start': {
      const env = message.env as Record<string, string>;
      server = await startServer(
        loadConfig({
          HOST: '127.0.0.1',
          PORT: '0',
          LOG_LEVEL: 'silent',
          AUTH_KEY_HASH_PROFILE: 'minimal',
          AUTH_RATE_LIMIT_PER_MINUTE: '100000',
          ...env,
        }),
      );
      reply({ type: 'started', url: server.url });
      break;
    }
    case 'rss':
      reply({ type: 'rss', peakRssMb: peakRssMb(), cpuMs: cpuMs(), memory: memory.read() });
      break;
    case 'window':
      // A new measuring window: the peaks from here on, and the CPU time so far (the caller subtracts it).
      memory.reset();
      reply({ type: 'window', cpuMs: cpuMs() });
      break;
    case 'stop':
      await server?.close();
      process.exit(0);
  }
});
