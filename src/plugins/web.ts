import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { findAbove } from '../lib/find-above';

// The pages the service serves itself, from its own bundled assets (web/, built with esbuild
// into web/dist): GraphiQL in development. Nothing is loaded from a CDN, so the pages work on a
// closed network and under the service's own strict content security policy (security.ts).

/** web/ beside src/ (or dist/, when built). */
const WEB_ROOT = findAbove(import.meta.url, 'web', 'build.mjs');
const WEB_DIST = path.join(WEB_ROOT, 'dist');

const GRAPHIQL_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>GraphiQL · Care trajectory research registry</title>
    <link rel="stylesheet" href="/assets/graphiql/main.css" />
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
    <script type="module" src="/assets/graphiql/main.js"></script>
  </body>
</html>
`;

/** Builds the bundled pages when they are missing (a fresh clone); `npm run build:web` does the same. */
async function ensureBuilt(log: FastifyInstance['log']): Promise<void> {
  if (fs.existsSync(path.join(WEB_DIST, 'graphiql', 'main.js'))) return;
  log.info('building the bundled web pages (web/dist) once');
  const { buildWeb } = (await import(path.join(WEB_ROOT, 'build.mjs'))) as { buildWeb: (options: { quiet: boolean }) => Promise<string> };
  await buildWeb({ quiet: true });
}

export const webPlugin = fp(
  async (app: FastifyInstance, options: { graphiql: boolean }) => {
    if (!options.graphiql) return;
    await ensureBuilt(app.log);
    app.addHook('onRoute', (route) => {
      if (route.url.startsWith('/assets/')) route.config = { ...route.config, public: true };
    });
    await app.register(fastifyStatic, { root: WEB_DIST, prefix: '/assets/', decorateReply: false, index: false, schemaHide: true });
    app.get('/graphiql', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(GRAPHIQL_PAGE));
  },
  { name: 'web', dependencies: ['security'] },
);
