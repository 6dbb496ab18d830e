import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { watchPage } from './browser';

// Driving the research dashboard (/app) in a browser: sign in as a user would, read its tables,
// download its files, and measure what a user sees (contrast, horizontal scroll).

export const PURPOSE = 'system_test';

export async function signInDashboard(
  browser: Browser,
  origin: string,
  key: string,
  viewport = { width: 1280, height: 900 },
): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport });
  const { problems } = watchPage(page, origin);
  await page.goto(`${origin}/`);
  await page.getByLabel('API key', { exact: true }).fill(key);
  await page.getByLabel('Purpose of use').selectOption(PURPOSE);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return { page, problems };
}

/** A table's body rows as the user reads them (row headers included). */
export const tableRows = (page: Page, testId: string): Promise<string[][]> =>
  page.$$eval(`[data-testid="${testId}"] tbody tr`, (trs) =>
    trs.map((tr) =>
      Array.from((tr as unknown as { cells: ArrayLike<{ textContent: string | null }> }).cells, (cell) => cell.textContent?.trim() ?? ''),
    ),
  );

export const tableHeader = (page: Page, testId: string): Promise<string[]> =>
  page.$$eval(`[data-testid="${testId}"] thead th`, (ths) => ths.map((th) => th.textContent?.trim() ?? ''));

/** Clicks a download button and returns the file's text. */
export async function downloaded(page: Page, buttonName: string): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: buttonName }).click()]);
  const file = await download.path();
  return { name: download.suggestedFilename(), text: fs.readFileSync(file, 'utf8') };
}

/** The document is no wider than the window: nothing to scroll sideways (tables scroll inside their own region). */
export const horizontalOverflow = (page: Page): Promise<number> =>
  page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');

/**
 * WCAG 2.x contrast ratio of an element's text colour against the first opaque background behind
 * it (https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio), for the first element matching each selector.
 */
export function contrastRatios(page: Page, selectors: string[]): Promise<Record<string, number | null>> {
  return page.evaluate(`(${CONTRAST_IN_PAGE})(${JSON.stringify(selectors)})`);
}

// Runs in the page (the tests' TypeScript has no DOM types, so it travels as text).
const CONTRAST_IN_PAGE = `(list) => {
  const rgb = (colour) => (colour.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const linear = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  };
  const background = (element) => {
    for (let node = element; node; node = node.parentElement) {
      const [r, g, b, a = 1] = rgb(getComputedStyle(node).backgroundColor);
      if (a > 0.99) return [r, g, b];
    }
    return [255, 255, 255];
  };
  const result = {};
  for (const selector of list) {
    const element = document.querySelector(selector);
    if (!element) { result[selector] = null; continue; }
    const fore = luminance(rgb(getComputedStyle(element).color));
    const back = luminance(background(element));
    result[selector] = Math.round(((Math.max(fore, back) + 0.05) / (Math.min(fore, back) + 0.05)) * 100) / 100;
  }
  return result;
}`;
