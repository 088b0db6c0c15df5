import { rmSync } from 'node:fs';
import type { BrowserContextOptions, Page } from 'playwright-core';
import { launchChromium, type PhoneBrowser } from './phone-web';

/** A real Chromium with one page for the desktop app's renderer, and the page's problems as they happen. */
export interface DesktopPage {
  readonly chromium: PhoneBrowser;
  readonly page: Page;
  /** Uncaught page errors, and console errors unless `consoleErrors: false`; suites expect it empty at the end. */
  readonly problems: string[];
}

/**
 * Launches Chromium and opens a desktop-sized page (`context`: viewport, locale, … as the suite needs).
 * Every uncaught error on the page lands in `problems`; console errors too unless `consoleErrors` is false
 * (suites that never counted them keep not counting them: a fold changes no assertion); `ignoreConsole` lets
 * through the console errors a suite expects (a refused request logged as "Failed to load resource").
 */
export async function openDesktopPage(
  context: BrowserContextOptions,
  options: { consoleErrors?: boolean; ignoreConsole?: RegExp } = {},
): Promise<DesktopPage> {
  const chromium = await launchChromium();
  const page = await (await chromium.browser.newContext(context)).newPage();
  const problems: string[] = [];
  if (options.consoleErrors ?? true) {
    page.on('console', (message) => {
      if (message.type() === 'error' && !options.ignoreConsole?.test(message.text())) problems.push(message.text());
    });
  }
  page.on('pageerror', (error) => problems.push(error.message));
  return { chromium, page, problems };
}

/** Anything a suite started: an app, a server, a proxy (`stop`) or a browser (`close`); unset if never started. */
export type Started = { stop(): Promise<void> } | { close(): Promise<void> } | null | undefined;

/**
 * A suite's afterAll: stops what it started in the order given, then removes its temp dirs. The order
 * matters — Chromium first (no page keeps calling the app), then the app (a running one would go on syncing
 * after the suite ends and keep jest from exiting), then proxies, then the server it talks to.
 */
export async function stopInOrder(started: Started[], dirs: Array<string | undefined> = []): Promise<void> {
  for (const part of started) {
    if (!part) continue;
    if ('stop' in part) await part.stop();
    else await part.close();
  }
  for (const dir of dirs) if (dir) rmSync(dir, { recursive: true, force: true });
}
