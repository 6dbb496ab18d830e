// Page-load benchmark of the research dashboard (/app) on the demo data: the service as
// `npm start` runs it on a fresh clone (temporary data directory, 400 synthetic trajectories,
// statistics released), Debian's Chromium driven by playwright-core. Times are the page's own
// clock (performance.now(), from the navigation's start, or from the click for the trajectory
// page), read when the first chart's SVG is in the document.
//
//   npm run bench:web
//   BENCH_LOADS=9 npm run bench:web      loads per variant (default 5; the median is reported)
//
// Cold: a new browser context per load (empty HTTP cache and storage; the key put in session
// storage before the page runs). Warm: the same page reloaded (bundle from the HTTP cache).
// Also the bundle sizes of web/dist/app: raw, and gzip at level 6 (what a compressing proxy sends;
// the service itself sends them uncompressed).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { type Browser, chromium, type Page } from 'playwright-core';
import { startDemoService } from './lib/demo-service';
import { machineLine } from './lib/load';
import { benchUsage } from './lib/usage';

benchUsage(import.meta.url);
const LOADS = Number(process.env.BENCH_LOADS ?? 5);
const APP_ASSETS = fileURLToPath(new URL('../web/dist/app', import.meta.url));

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** What the in-page function uses of the page (this project's Node TypeScript has no DOM types). */
type InPage = { document: { querySelector(selector: string): unknown }; performance: { now(): number } };

/** Milliseconds on the page's clock when `selector` is first in the document (checked every frame). */
const when = (page: Page, selector: string): Promise<number> =>
  page
    .waitForFunction(
      (s: string) => {
        const { document, performance } = globalThis as unknown as InPage;
        return document.querySelector(s) ? performance.now() : false;
      },
      selector,
      { polling: 'raf', timeout: 120_000 },
    )
    .then((handle) => handle.jsonValue() as Promise<number>);

async function newPage(browser: Browser, key: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // Signed in as the sign-in form would leave the tab (the dashboard's session keys).
  await context.addInitScript({
    content: `if (!sessionStorage.getItem('registry.apiKey')) { sessionStorage.setItem('registry.apiKey', ${JSON.stringify(key)}); sessionStorage.setItem('registry.purpose', 'system_test'); }`,
  });
  return context.newPage();
}

interface Timing {
  page: string;
  milestone: string;
  cold: number[];
  warm: number[];
}

const service = await startDemoService();
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
try {
  const list: Timing = { page: 'trajectory list (researcher)', milestone: 'table of 20 shown', cold: [], warm: [] };
  const trajectory: Timing = { page: 'list → trajectory page', milestone: 'first N=1 chart drawn, from the click', cold: [], warm: [] };
  const programmesFirst: Timing = { page: 'programmes (funder)', milestone: 'first chart drawn', cold: [], warm: [] };
  const programmesAll: Timing = { page: 'programmes (funder)', milestone: 'all six charts drawn', cold: [], warm: [] };

  /** Opens the list, clicks its first trajectory, and records both milestones. */
  const listThenTrajectory = async (page: Page, into: 'cold' | 'warm', load: () => Promise<unknown>) => {
    await load();
    list[into].push(await when(page, '[data-testid="trajectory-list"] tbody a'));
    const clicked = (await page.evaluate('performance.now()')) as number;
    await page.locator('[data-testid="trajectory-list"] tbody a').first().click();
    trajectory[into].push((await when(page, 'figure.chart svg')) - clicked);
  };
  const programmes = async (page: Page, into: 'cold' | 'warm', load: () => Promise<unknown>) => {
    await load();
    programmesFirst[into].push(await when(page, '[data-testid="chart-outcomes"] svg'));
    programmesAll[into].push(await when(page, '[data-testid="chart-dose"] svg'));
  };

  for (let round = 0; round < LOADS; round++) {
    const researcher = await newPage(browser, service.keys.researcher!);
    await listThenTrajectory(researcher, 'cold', () => researcher.goto(`${service.origin}/app#/trajectories`));
    await researcher.goto(`${service.origin}/app#/trajectories`);
    await listThenTrajectory(researcher, 'warm', () => researcher.reload());
    await researcher.context().close();

    const funder = await newPage(browser, service.keys.funder!);
    await programmes(funder, 'cold', () => funder.goto(`${service.origin}/app#/programmes`));
    await programmes(funder, 'warm', () => funder.reload());
    await funder.context().close();
  }

  console.log(machineLine());
  console.log(`loads per variant: ${LOADS}; median ms (min–max)`);
  console.log('| page | milestone | cold | warm |');
  console.log('|---|---|---:|---:|');
  const cell = (values: number[]) => `${median(values).toFixed(0)} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`;
  for (const t of [list, trajectory, programmesFirst, programmesAll])
    console.log(`| ${t.page} | ${t.milestone} | ${cell(t.cold)} | ${cell(t.warm)} |`);

  console.log('\n| asset | raw kB | gzip kB |');
  console.log('|---|---:|---:|');
  for (const file of fs.readdirSync(APP_ASSETS).sort()) {
    const bytes = fs.readFileSync(path.join(APP_ASSETS, file));
    console.log(`| app/${file} | ${(bytes.length / 1000).toFixed(1)} | ${(zlib.gzipSync(bytes, { level: 6 }).length / 1000).toFixed(1)} |`);
  }
} finally {
  await browser.close();
  await service.close();
}
