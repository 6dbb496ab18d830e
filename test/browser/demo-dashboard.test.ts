import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, skipWithoutBrowser } from '../helpers/browser';
import { signInDashboard, tableHeader, tableRows } from '../helpers/dashboard-browser';
import type { TestApp } from '../helpers/test-app';
import { createDemoWorld, startDemoWorld } from '../helpers/demo-world';

// The dashboard on the demo as `npm start` loads it (issue #26): the N=1 pages of demo
// trajectories with a trauma treatment show NAP, Tau-U and Tau-BC, not "—"; and axe-core finds no
// serious or critical violation on the sign-in, list, trajectory and programmes pages.

const TIMEOUT = 30_000;
/** Pages opened: enough to see the share, few enough to keep the test short. */
const PAGES = 10;

describe.skipIf(skipWithoutBrowser)('the dashboard on the demo data', () => {
  let t: TestApp;
  let browser: Browser;
  let origin: string;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    // As `npm start` loads it: the default seed, generated up to today (a copy: demo-data.test.ts reads it too).
    t = await createDemoWorld(startDemoWorld());
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    origin = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
    await t.app.statisticsReleases.release();
    await t.releaseResearch();
    // The institution key of the demo acts for vuurtorenhuis, whose programme Baken offers EMDR.
    for (const role of ['institution', 'researcher'] as const)
      keys[role] = (await t.authorization(role)).authorization.replace(/^Bearer /, '');
    browser = await launchBrowser();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** Ids of the institution's trajectories with a trauma treatment, in the API's order. */
  async function withTraumaTreatment(): Promise<string[]> {
    const response = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { authorization: `Bearer ${keys.institution}` },
      payload: { query: '{ trajectories(first: 100) { nodes { id careActivities { activityTypeCode } } } }' },
    });
    const nodes: Array<{ id: string; careActivities: Array<{ activityTypeCode: string }> }> = response.json().data.trajectories.nodes;
    return nodes
      .filter((node) => node.careActivities.some((a) => a.activityTypeCode.startsWith('trauma_treatment')))
      .map((node) => node.id);
  }

  /** Named columns of every informant's row of one series table, as the page shows them. */
  async function cells(page: Page, code: string, names: string[]): Promise<string[][]> {
    const header = await tableHeader(page, `series-${code}`);
    const columns = names.map((name) => header.indexOf(name));
    expect(
      columns.every((index) => index >= 0),
      header.join(' | '),
    ).toBe(true);
    return (await tableRows(page, `series-${code}`)).map((row) => columns.map((index) => row[index]!));
  }

  it('shows NAP, Tau-U and Tau-BC, not "—", on the N=1 pages of at least four in five trajectories with a trauma treatment', async () => {
    const ids = (await withTraumaTreatment()).slice(0, PAGES);
    expect(ids.length).toBe(PAGES);
    const { page, problems } = await signInDashboard(browser, origin, keys.institution!);
    await page.getByTestId('trajectory-list').waitFor({ timeout: TIMEOUT });
    let shown = 0;
    let trendSeen = false;
    for (const id of ids) {
      await page.goto(`${origin}/app#/trajectories/${id}`);
      await expect.poll(() => page.locator('#trajectory-heading').textContent(), { timeout: TIMEOUT }).toContain(id.slice(0, 8));
      // The default phase is the first trauma treatment; the indicators follow it. Until they are
      // asked for that phase, "Phases A/B" reads "—" (with them, the lengths, with or without values).
      await expect.poll(() => page.locator('#phase').inputValue(), { timeout: TIMEOUT }).toMatch(/^trauma_treatment_/);
      for (const code of ['trauma_symptoms', 'emotional_behavioural'])
        await expect
          .poll(async () => (await cells(page, code, ['Phases A/B'])).every(([phases]) => phases !== '—'), { timeout: TIMEOUT })
          .toBe(true);
      const indicators = [
        ...(await cells(page, 'trauma_symptoms', ['NAP', 'Tau-U', 'Tau-BC'])),
        ...(await cells(page, 'emotional_behavioural', ['NAP', 'Tau-U', 'Tau-BC'])),
      ];
      expect(indicators.length).toBeGreaterThan(0);
      if (!indicators.every((row) => row.every((cell) => cell !== '—' && cell !== ''))) continue;
      shown += 1;
      // A baseline trend is drawn where there is a baseline (once the chart is drawn): seen on the first such page.
      if (trendSeen) continue;
      await expect
        .poll(() => page.locator('[data-testid="chart-trauma_symptoms"] g.mark-trend path').count(), { timeout: TIMEOUT })
        .toBeGreaterThan(0);
      trendSeen = true;
    }
    expect(shown / ids.length, `${shown} of ${ids.length}`).toBeGreaterThanOrEqual(0.8);
    expect(trendSeen).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  }, 300_000);

  describe('axe-core', () => {
    it('finds no serious or critical violation on the sign-in, list, trajectory and programmes pages', async () => {
      // axe-core is injected as a script of its own, which the dashboard's CSP (script-src 'self')
      // would refuse: this one context bypasses the CSP; every other test runs under it.
      const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const found: Record<string, unknown> = {};
      const audit = async (name: string) => {
        await page.addScriptTag({ path: axeScript() });
        found[name] = await page.evaluate(
          `axe.run(document, { resultTypes: ['violations'] }).then((result) => result.violations
             .filter((v) => v.impact === 'serious' || v.impact === 'critical')
             .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, first: v.nodes[0] && v.nodes[0].html.slice(0, 120) })))`,
        );
      };
      await page.goto(`${origin}/`);
      await page.getByLabel('API key', { exact: true }).waitFor({ timeout: TIMEOUT });
      // The control: an image without a text alternative (critical) is found, so an empty list means something.
      await page.evaluate(`document.body.insertAdjacentHTML('beforeend', '<img id="axe-control" src="/favicon.ico">')`);
      await audit('control');
      expect(found.control).toEqual([expect.objectContaining({ id: 'image-alt', impact: 'critical' })]);
      await page.evaluate(`document.getElementById('axe-control').remove()`);
      delete found.control;
      await audit('sign-in');
      await page.getByLabel('API key', { exact: true }).fill(keys.institution!);
      await page.getByLabel('Purpose of use').selectOption('system_test');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('trajectory-list').waitFor({ timeout: TIMEOUT });
      await audit('list');
      const [id] = await withTraumaTreatment();
      await page.goto(`${origin}/app#/trajectories/${id}`);
      await page.getByTestId('series-trauma_symptoms').waitFor({ timeout: TIMEOUT });
      await page.locator('[data-testid="chart-trauma_symptoms"] svg').first().waitFor({ timeout: TIMEOUT });
      await audit('trajectory');
      await page.goto(`${origin}/app#/programmes`);
      await page.locator('[data-testid="chart-outcomes"] svg').first().waitFor({ timeout: TIMEOUT });
      await page.locator('[data-testid="chart-dose"] svg').first().waitFor({ timeout: TIMEOUT });
      await audit('programmes');
      expect(found).toEqual({ 'sign-in': [], list: [], trajectory: [], programmes: [] });
      await context.close();
    }, 180_000);
  });
});

/** axe-core's browser bundle from node_modules (a dev dependency). */
const axeScript = (): string => createRequire(import.meta.url).resolve('axe-core/axe.min.js');
