import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, skipWithoutBrowser, watchPage } from '../helpers/browser';
import { createTestApp, type TestApp } from '../helpers/test-app';

// GraphiQL as a developer meets it: served by the service from its own assets, on a machine with
// no internet, under the service's strict content security policy.

describe.skipIf(skipWithoutBrowser)('GraphiQL in a real browser', () => {
  let t: TestApp;
  let browser: Browser;
  let origin: string;
  beforeAll(async () => {
    t = await createTestApp({ GRAPHIQL: 'true' });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    origin = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('loads from the service alone, shows the schema documentation and runs a query with the key and purpose typed in', async () => {
    const { authorization } = await t.authorization('researcher');
    const page = await browser.newPage();
    const { problems } = watchPage(page, origin);
    await page.goto(`${origin}/graphiql`);
    await page.getByLabel('API key').fill(authorization.replace(/^Bearer /, ''));
    await page.getByLabel('Purpose of use (X-Purpose-Of-Use)').fill('system_test');

    // The documentation explorer needs the standard introspection query to work.
    await page.getByRole('button', { name: /documentation explorer/i }).click();
    const explorer = page.locator('.graphiql-doc-explorer');
    await explorer.getByRole('link', { name: 'Query' }).first().click({ timeout: 20_000 });
    await explorer.getByText('trajectories').first().waitFor({ timeout: 20_000 });

    const editor = page.locator('.graphiql-query-editor .CodeMirror').first();
    await editor.click();
    await page.keyboard.press('Control+A');
    // A record-level query: refused with PURPOSE_REQUIRED unless the purpose typed above is sent.
    await page.keyboard.type('{ apiVersion trajectories(first: 1) { nodes { id } } }');
    await page.getByRole('button', { name: /execute query/i }).click();
    const result = page.locator('.graphiql-response');
    await result.getByText('"apiVersion": "v1"').first().waitFor({ timeout: 20_000 });
    const answer = (await result.textContent()) ?? '';
    expect(answer).toMatch(/"nodes": \[\s*\]/);
    expect(answer).not.toContain('PURPOSE_REQUIRED');
    // The key and purpose stay in this tab's sessionStorage, never in a cookie or the URL.
    expect(await page.evaluate('sessionStorage.getItem("registry.apiKey")')).toBeTruthy();
    expect(await page.context().cookies()).toEqual([]);
    expect(page.url()).toBe(`${origin}/graphiql`);
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);

  it('is refused when GraphiQL is off (production)', async () => {
    const production = await createTestApp();
    expect((await production.app.inject({ url: '/graphiql' })).statusCode).toBe(404);
    await production.close();
  });
});
