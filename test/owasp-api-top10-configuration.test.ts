// OWASP API Security Top 10 (2023), continued (see owasp-api-top10.test.ts for the index):
//   API8 security misconfiguration — hardening headers on every answer (errors too), a content security
//        policy that keeps API answers inert yet admits everything the Swagger UI and GraphiQL pages load,
//        CORS closed unless origins are listed, no framework banner, introspection and GraphiQL off in
//        production;
//   API9 improper inventory management — every route the service serves is in its OpenAPI document (GraphQL,
//        its page and the documentation itself aside), and every documented operation is served.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument, operationsOf, servedRoutes } from './helpers/api-surface';
import { createTestApp, type TestApp } from './helpers/test-app';

const DASHBOARD = 'https://dashboard.example.org';

/** A Content-Security-Policy header as directive → sources. */
function policyOf(header: unknown): Map<string, string[]> {
  expect(typeof header, 'a Content-Security-Policy header').toBe('string');
  return new Map(
    String(header)
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((part) => part[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

/** Would the policy let the page load this URL for this directive (falling back to default-src)? */
function admits(policy: Map<string, string[]>, directive: string, url: URL, pageOrigin: string): boolean {
  const sources = policy.get(directive) ?? policy.get('default-src') ?? [];
  return sources.some(
    (source) =>
      (source === "'self'" && url.origin === pageOrigin) ||
      (source.startsWith('https://') && url.href.startsWith(source)) ||
      (source === 'https:' && url.protocol === 'https:'),
  );
}

describe('API8 security misconfiguration (a development server with one allowed origin)', () => {
  let t: TestApp;
  let researcher: string;
  beforeAll(async () => {
    t = await createTestApp({ CORS_ORIGINS: DASHBOARD, GRAPHIQL: 'true' });
    researcher = (await t.authorization('researcher')).authorization;
  });
  afterAll(() => t.close());

  it('hardens every answer, errors and CSV included, and names no framework', async () => {
    const answers = [
      await t.app.inject({ url: '/api/v1/programmes', headers: { authorization: researcher } }),
      await t.app.inject({ url: '/api/v1/statistics/overview', headers: { authorization: researcher, accept: 'text/csv' } }),
      await t.app.inject({ url: '/api/v1/programmes' }),
      await t.app.inject({ url: '/api/v1/nope', headers: { authorization: researcher } }),
      await t.app.inject({ method: 'POST', url: '/graphql', headers: { authorization: researcher }, payload: { query: '{ apiVersion }' } }),
      await t.app.inject({ url: '/health/ready' }),
    ];
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 401, 404, 200, 200]);
    for (const answer of answers) {
      const name = `${answer.statusCode} ${answer.headers['content-type']}`;
      expect(answer.headers, name).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
        'cross-origin-resource-policy': 'same-origin',
      });
      expect(answer.headers['strict-transport-security'], name).toMatch(/max-age=\d{7,}/);
      const policy = policyOf(answer.headers['content-security-policy']);
      expect(policy.get('default-src'), name).toEqual(["'none'"]);
      expect(policy.get('frame-ancestors'), name).toEqual(["'none'"]);
      expect(answer.headers['x-powered-by'], name).toBeUndefined();
      expect(answer.headers.server, name).toBeUndefined();
    }
  });

  it('Swagger UI: the policy admits every script and stylesheet the page loads, all served from here with their own types', async () => {
    const page = await t.app.inject({ url: '/docs/' });
    expect(page.statusCode).toBe(200);
    const policy = policyOf(page.headers['content-security-policy']);
    expect(policy.has('upgrade-insecure-requests'), 'would break the page on plain-HTTP development servers').toBe(false);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    const origin = 'http://localhost';
    const base = new URL('/docs/', origin);
    // No inline script and no inline event handler: the policy (script-src 'self') would block them.
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(page.body).not.toMatch(/\son[a-z]+\s*=/i);
    const scripts = [...page.body.matchAll(/<script[^>]*\bsrc="([^"]+)"/gi)].map((match) => new URL(match[1]!, base));
    const styles = [...page.body.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/gi)].map((match) => new URL(match[1]!, base));
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    expect(styles.length).toBeGreaterThanOrEqual(1);
    for (const [urls, directive, type] of [
      [scripts, 'script-src', /javascript/],
      [styles, 'style-src', /text\/css/],
    ] as const) {
      for (const url of urls) {
        expect(admits(policy, directive, url, origin), `${directive} ${url}`).toBe(true);
        const asset = await t.app.inject({ url: url.pathname });
        expect(asset.statusCode, url.pathname).toBe(200);
        // With nosniff a browser runs a script (or applies a stylesheet) only if its type says so.
        expect(asset.headers['content-type'], url.pathname).toMatch(type);
      }
    }
    // The initializer (the one script written for this page) evaluates no strings.
    const initializer = await t.app.inject({ url: scripts.find((url) => url.pathname.endsWith('swagger-initializer.js'))!.pathname });
    expect(initializer.body).not.toMatch(/\beval\(|new Function\(/);
    // The document the page loads is served here too (connect-src falls back to default-src 'self').
    expect(admits(policy, 'connect-src', new URL('/docs/json', origin), origin)).toBe(true);
  });

  it('GraphiQL: the page and its bundled assets come from the service alone, and the policy admits nothing from elsewhere', async () => {
    const page = await t.app.inject({ url: '/graphiql' });
    expect(page.statusCode).toBe(200);
    const policy = policyOf(page.headers['content-security-policy']);
    const origin = 'http://localhost';
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/gi)].map((match) => new URL(match[1]!, new URL('/graphiql', origin)));
    expect(assets.map((url) => url.pathname).sort()).toEqual(['/assets/graphiql/main.css', '/assets/graphiql/main.js']);
    for (const url of assets) {
      expect(url.origin).toBe(origin);
      const directive = url.pathname.endsWith('.css') ? 'style-src' : 'script-src';
      expect(admits(policy, directive, url, origin), url.href).toBe(true);
      const asset = await t.app.inject({ url: url.pathname });
      expect(asset.statusCode, url.pathname).toBe(200);
      // Nothing in the bundle loads a script or stylesheet from a CDN.
      expect(asset.body).not.toMatch(/https?:\/\/[^'"`\s)]+\.(?:js|css)\b/);
    }
    for (const foreign of ['https://unpkg.com/graphiql/graphiql.min.js', 'https://cdn.jsdelivr.net/npm/react.js']) {
      expect(admits(policy, 'script-src', new URL(foreign), origin), foreign).toBe(false);
    }
    // GraphiQL sends its queries to /graphql on the same origin.
    expect(admits(policy, 'connect-src', new URL('/graphql', origin), origin)).toBe(true);
  });

  it('CORS: the listed origin may call with a key and read the request id; any other origin gets no CORS headers', async () => {
    const preflight = (origin: string) =>
      t.app.inject({
        method: 'OPTIONS',
        url: '/api/v1/programmes',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization, x-purpose-of-use' },
      });
    const allowed = await preflight(DASHBOARD);
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe(DASHBOARD);
    expect(String(allowed.headers['access-control-allow-headers'])).toMatch(
      /authorization.*x-purpose-of-use|x-purpose-of-use.*authorization/,
    );
    expect(allowed.headers['access-control-allow-credentials']).toBeUndefined();
    const call = await t.app.inject({ url: '/api/v1/programmes', headers: { origin: DASHBOARD, authorization: researcher } });
    expect(call.headers['access-control-allow-origin']).toBe(DASHBOARD);
    expect(String(call.headers['access-control-expose-headers'])).toContain('x-request-id');
    expect(String(call.headers.vary)).toMatch(/origin/i);
    for (const origin of [
      'https://evil.example.org',
      `${DASHBOARD}.evil.example.org`,
      'https://dashboard.example.org:8443',
      'http://dashboard.example.org',
      'null',
    ]) {
      expect((await preflight(origin)).headers['access-control-allow-origin'], origin).toBeUndefined();
      const response = await t.app.inject({ url: '/api/v1/programmes', headers: { origin, authorization: researcher } });
      expect(response.headers['access-control-allow-origin'], origin).toBeUndefined();
    }
  });

  it('an unsupported method is refused in the error shape', async () => {
    for (const method of ['PATCH', 'TRACE'] as const) {
      const response = await t.app.inject({ method, url: '/api/v1/programmes', headers: { authorization: researcher } });
      expect(response.statusCode, method).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, method).toBeLessThan(500);
      if (response.body) expect(response.json().code, method).toMatch(/^[A-Z_]+$/);
    }
  });
});

describe('API8 and API9 on a production configuration', () => {
  let t: TestApp;
  let researcher: string;
  beforeAll(async () => {
    t = await createTestApp({ NODE_ENV: 'production' });
    researcher = (await t.authorization('researcher')).authorization;
  });
  afterAll(() => t.close());

  it('has no GraphiQL, refuses introspection, and sends no CORS headers to any origin', async () => {
    expect((await t.app.inject({ url: '/graphiql' })).statusCode).toBe(404);
    for (const query of ['{ __schema { types { name } } }', '{ __type(name: "Trajectory") { fields { name } } }']) {
      const result = (
        await t.app.inject({ method: 'POST', url: '/graphql', headers: { authorization: researcher }, payload: { query } })
      ).json();
      expect(result.data ?? null).toBeNull();
      expect(result.errors[0]).toMatchObject({
        extensions: { code: 'VALIDATION_FAILED' },
        message: expect.stringMatching(/introspection/i),
      });
    }
    for (const origin of [DASHBOARD, 'https://evil.example.org']) {
      const response = await t.app.inject({ url: '/api/v1/programmes', headers: { origin, authorization: researcher } });
      expect(response.statusCode).toBe(200);
      expect(Object.keys(response.headers).filter((name) => name.startsWith('access-control-allow'))).toEqual([]);
      const preflight = await t.app.inject({
        method: 'OPTIONS',
        url: '/api/v1/programmes',
        headers: { origin, 'access-control-request-method': 'GET' },
      });
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      expect(preflight.statusCode).toBeGreaterThanOrEqual(400);
    }
  });

  it('API9: serves exactly the documented operations, besides GraphQL and the documentation itself', async () => {
    const documented = operationsOf(await openApiDocument(t.app))
      .map((operation) => `${operation.method} ${operation.path}`)
      .sort();
    // The pages the service serves (the dashboard at /app, / leading there, their bundled assets
    // under /assets/*, which printRoutes shows as `/*` once / is a route) hold no data and call the
    // documented API like any other client.
    const isPage = (path: string) => path === '/' || path === '/*' || /^\/(app|assets)\b/.test(path);
    const served = servedRoutes(t.app)
      .filter((route) => !/^\/(docs|graphql|graphiql)\b/.test(route.path) && !isPage(route.path) && route.method !== 'OPTIONS')
      .map((route) => `${route.method} ${route.path}`)
      .sort();
    expect(served.length).toBeGreaterThan(20);
    expect(served).toEqual(documented);
    // What is left aside: the documentation (public by design) and GraphQL, whose schema is its inventory.
    const aside = servedRoutes(t.app)
      .filter((route) => /^\/(docs|graphql|graphiql)\b/.test(route.path))
      .map((route) => route.path);
    expect(aside.filter((path) => !path.startsWith('/docs'))).toEqual(['/graphql', '/graphql']);
  });
});
