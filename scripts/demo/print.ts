/** Output helpers of the demo: one line per step, timings right-aligned. */
export class DemoFailure extends Error {}

export function ms(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

export function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

export function plural(count: number, noun: string, width = 0): string {
  return `${String(count).padStart(width)} ${noun}${count === 1 ? ' ' : 's'}`;
}

export function line(text: string, took?: number): void {
  process.stdout.write(took === undefined ? `${text}\n` : `${text.padEnd(100)} ${ms(took).padStart(8)}\n`);
}

/** Polls `condition` until it holds; fails the demo with a sentence naming `what` after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new DemoFailure(`Timed out after ${ms(timeoutMs)} waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
