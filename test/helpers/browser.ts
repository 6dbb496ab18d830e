import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';

// Debian's Chromium driven by playwright-core (never a downloaded browser). Where it is missing
// the browser tests are skipped with the reason, except in CI (REQUIRE_BROWSER=1), which
// installs it and must run them.

export const CHROMIUM = '/usr/bin/chromium';
export const browserAvailable = fs.existsSync(CHROMIUM);
if (!browserAvailable && process.env.REQUIRE_BROWSER === '1')
  throw new Error(`REQUIRE_BROWSER=1 but ${CHROMIUM} is missing (apt-get install chromium)`);
export const skipWithoutBrowser = !browserAvailable;

export async function launchBrowser(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    // The closed network refuses Chromium's own background connections; keep it from trying.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Everything a page did that it should not: requests to another origin, CSP violations, script errors. */
export function watchPage(page: Page, origin: string): { problems: string[] } {
  const problems: string[] = [];
  void page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    problems.push(`request to another origin: ${url}`);
    return route.abort();
  });
  page.on('console', (message) => {
    if (message.type() === 'error' || /Content Security Policy/i.test(message.text()))
      problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { problems };
}
