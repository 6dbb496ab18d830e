// The README's screenshots of the research dashboard, taken from the demo data the way a new user
// sees it: `npm run screenshots` starts the service on a temporary data directory (embedded
// database, synthetic demo data, statistics released), signs in with the demo keys in Debian's
// Chromium (playwright-core, /usr/bin/chromium) and writes docs/screenshots/*.png.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { refuseArguments } from '../src/cli/command-line';

refuseArguments(
  'screenshots',
  `Take the README's screenshots of the research dashboard (needs /usr/bin/chromium).

  npm run screenshots            build the pages, start the demo service, write docs/screenshots/*.png
  npm run screenshots -- --help  this text`,
);
// Loaded after the arguments are checked: the browser driver and the service take seconds to load.
const [{ chromium }, { startDemoService }] = await Promise.all([import('playwright-core'), import('../bench/lib/demo-service')]);

const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');

async function signIn(page: Page, origin: string, key: string) {
  await page.goto(`${origin}/app`);
  await page.getByLabel('API key', { exact: true }).fill(key);
  await page.getByLabel('Purpose of use').selectOption('system_test');
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function shoot(page: Page, selector: string, name: string) {
  const element = page.locator(selector).first();
  await element.waitFor({ timeout: 60_000 });
  await element.screenshot({ path: path.join(OUT, name), animations: 'disabled' });
  process.stdout.write(`docs/screenshots/${name}: ${fs.statSync(path.join(OUT, name)).size} bytes\n`);
}

const service = await startDemoService();
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
try {
  fs.mkdirSync(OUT, { recursive: true });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });

  // A researcher: the list, then of the first page's trajectories the score chart with the most
  // informants' series (then observations), with its cut-off and phase line.
  await signIn(page, service.origin, service.keys.researcher!);
  await page.getByTestId('trajectory-list').waitFor({ timeout: 60_000 });
  await shoot(page, 'main', 'trajectories.png');
  const ids = (
    await page
      .getByTestId('trajectory-list')
      .locator('tbody a')
      .evaluateAll((links) => links.map((link) => link.getAttribute('href')!))
  ).slice(0, 12);
  let best = { href: ids[0]!, chart: '', score: -1 };
  for (const href of ids) {
    await page.goto(`${service.origin}/app${href}`);
    await page.getByTestId('facts').waitFor({ timeout: 60_000 });
    await page
      .locator('g.mark-phase')
      .first()
      .waitFor({ timeout: 3_000 })
      .catch(() => undefined);
    for (const chart of await page.locator('figure.chart:has(g.mark-cutoff):has(g.mark-phase)').all()) {
      const score = (await chart.locator('g.mark-series > *').count()) * 1000 + (await chart.locator('g.mark-observations > *').count());
      if (score > best.score) best = { href, chart: (await chart.getAttribute('data-testid'))!, score };
    }
  }
  await page.goto(`${service.origin}/app${best.href}`);
  await shoot(page, `[data-testid="${best.chart}"]`, 'trajectory-chart.png');

  // An institution: its own programmes beside the national picture.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, service.origin, service.keys.institution!);
  await page.getByTestId('trajectory-list').waitFor({ timeout: 60_000 });
  await page.getByRole('link', { name: 'Programmes' }).click();
  await shoot(page, '[data-testid="chart-outcomes"]', 'programme-comparison.png');
  await shoot(page, '[data-testid="chart-perspective"]', 'programme-perspective.png');
} finally {
  await browser.close();
  await service.close();
}
