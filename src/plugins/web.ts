import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyHelmetOptions } from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { findAbove } from '../lib/find-above';

// The pages the service serves itself, from its own bundled assets (web/, built with esbuild
// into web/dist): the research dashboard at /app in every environment, GraphiQL in development.
// Nothing is loaded from a CDN, so the pages work on a closed network and under the service's
// own strict content security policy (security.ts). The dashboard has no private endpoint: it
// reads /graphql and /api/v1 with the user's own API key, like any other client.

/** web/ beside src/ (or dist/, when built). */
const WEB_ROOT = findAbove(import.meta.url, 'web', 'build.mjs');
const WEB_DIST = path.join(WEB_ROOT, 'dist');
const ENTRIES = ['graphiql/main.js', 'app/main.js'];

const page = (title: string, entry: string, rootId: string, loading: string, head = '') => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />${head}
    <title>${title} · Care trajectory research registry</title>
    <link rel="stylesheet" href="/assets/${entry}/main.css" />
  </head>
  <body>
    <div id="${rootId}">${loading}</div>
    <script type="module" src="/assets/${entry}/main.js"></script>
  </body>
</html>
`;

const GRAPHIQL_PAGE = page('GraphiQL', 'graphiql', 'graphiql', 'Loading GraphiQL…');
// An empty icon, so the browser does not ask for /favicon.ico (a 404 in its console).
const APP_PAGE = page(
  'Research dashboard',
  'app',
  'app',
  '<p>Loading the research dashboard… (it needs JavaScript)</p>',
  '\n    <link rel="icon" href="data:," />',
);

/**
 * The dashboard: scripts and styles from this service only, no inline script or style (the charts'
 * inline <style> is removed before it enters the page, see web/app/charts.ts), and requests to
 * this origin alone.
 */
const APP_POLICY: NonNullable<FastifyHelmetOptions['contentSecurityPolicy']> = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'"],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
    frameAncestors: ["'none'"],
  },
};

/** The newest change to the pages' sources (web/ without its output), to tell a stale build. */
function newestSource(directory: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = path.join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Builds the bundled pages when they are missing (a fresh clone) or older than their sources (a
 * pull); `npm run build:web` does the same. False when they cannot be built here (an image
 * without the build tools and without a prebuilt web/dist): the service runs without its pages.
 */
async function ensureBuilt(log: FastifyInstance['log']): Promise<boolean> {
  const built = ENTRIES.map((entry) => path.join(WEB_DIST, entry));
  const present = built.every((file) => fs.existsSync(file));
  const hasSources = fs.existsSync(path.join(WEB_ROOT, 'build.mjs'));
  if (present && (!hasSources || Math.min(...built.map((file) => fs.statSync(file).mtimeMs)) >= newestSource(WEB_ROOT))) return true;
  if (!hasSources) {
    log.warn('web/ is missing and there is no built web/dist: /app and /graphiql are not served');
    return false;
  }
  log.info('building the bundled web pages (web/dist)');
  try {
    const { buildWeb } = (await import(path.join(WEB_ROOT, 'build.mjs'))) as { buildWeb: (options: { quiet: boolean }) => Promise<string> };
    await buildWeb({ quiet: true });
    return true;
  } catch (error) {
    log.warn({ err: error }, 'the web pages could not be built; /app and /graphiql are not served');
    return present;
  }
}

export const webPlugin = fp(
  async (app: FastifyInstance, options: { graphiql: boolean }) => {
    if (!(await ensureBuilt(app.log))) return;
    app.addHook('onRoute', (route) => {
      if (route.url.startsWith('/assets/')) route.config = { ...route.config, public: true };
    });
    await app.register(fastifyStatic, { root: WEB_DIST, prefix: '/assets/', decorateReply: false, index: false, schemaHide: true });

    // The page itself holds no data: public, and answered with the same HTML for every route of
    // the dashboard (its routes live in the URL fragment, which never reaches the server).
    const appRoute = { config: { public: true }, schema: { hide: true }, helmet: { contentSecurityPolicy: APP_POLICY } } as const;
    app.get('/app', appRoute, async (_request, reply) =>
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(APP_PAGE),
    );
    app.get('/', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => reply.redirect('/app', 302));

    if (options.graphiql) {
      app.get('/graphiql', { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
        reply.type('text/html; charset=utf-8').send(GRAPHIQL_PAGE),
      );
    }
  },
  { name: 'web', dependencies: ['security'] },
);
