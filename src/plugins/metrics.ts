import http from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config';
import type { Database } from '../db/client';
import { observeQueries } from '../db/query-timing';
import { addressMatcher, parseAddressList } from '../lib/address-list';
import { clientAddressOf } from '../lib/client-address';
import { AppError } from '../lib/errors';
import type { IndicatorQueueState, StatisticsChurn, Metrics } from '../lib/metrics';
import { replyWithError } from './error-handler';

// Prometheus metrics: HTTP requests by route pattern, the database pool and statement times,
// the indicator queue, and what other plugins and modules count through `app.metrics`. The
// text is served only where configured: on a port of its own (METRICS_PORT, normally on a
// private interface), and/or at /metrics on the API port to listed addresses
// (METRICS_ALLOW_FROM). Neither needs an API key, so neither serves anything a key protects:
// counts and durations, labelled by patterns, types and outcomes.

export interface MetricsOptions {
  metrics: Metrics;
  settings: Config['metrics'];
  database: Database;
  indicatorQueue: () => Promise<IndicatorQueueState>;
  /** Erasures per institution since the last published statistics release (churn), read at scrape time. */
  statisticsChurn?: () => Promise<StatisticsChurn>;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
    /** The metrics port's server, when METRICS_PORT is set (tests read its address). */
    metricsServer: http.Server | null;
  }
}

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** A label for a request's route: its pattern, or "unmatched" (never the URL itself). */
const routeLabel = (request: FastifyRequest) => request.routeOptions.url ?? 'unmatched';

/** Resolves within `ms` or rejects, so a stuck database cannot hold a scrape. */
function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export const metricsPlugin = fp(
  async (app: FastifyInstance, options: MetricsOptions) => {
    const { metrics, settings, database } = options;
    app.decorate('metrics', metrics);
    app.decorate('metricsServer', null);

    metrics.setSources({
      pool:
        database.kind === 'postgres'
          ? () => ({
              total: database.pool.totalCount,
              idle: database.pool.idleCount,
              waiting: database.pool.waitingCount,
              max: database.pool.options.max ?? 10,
            })
          : undefined,
      indicatorQueue: () => within(2_000, options.indicatorQueue()),
      ...(options.statisticsChurn ? { statisticsChurn: () => within(2_000, options.statisticsChurn!()) } : {}),
      onSourceError: (error) => app.log.warn({ err: error }, 'a metrics source failed; its series keep their last value'),
    });
    const stopTiming = observeQueries(database, (seconds, failed) =>
      metrics.dbQueryDuration.observe({ outcome: failed ? 'error' : 'ok' }, seconds),
    );
    app.addHook('onClose', async () => stopTiming());

    // reply.elapsedTime runs from the start of the request, before any hook.
    app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
      metrics.httpRequestDuration.observe(
        { method: request.method, route: routeLabel(request), status_code: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });

    if (settings.allowFrom.length > 0) {
      const allowed = addressMatcher(parseAddressList(settings.allowFrom.join(',')).entries);
      app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
        const address = clientAddressOf(request);
        if (!address || !allowed(address)) {
          return replyWithError(
            request,
            reply,
            new AppError('FORBIDDEN', 'Metrics are served only to the addresses in METRICS_ALLOW_FROM.'),
          );
        }
        return reply.type(CONTENT_TYPE).send(await metrics.registry.metrics());
      });
    }

    if (settings.port !== undefined) {
      const server = http.createServer((request, response) => {
        if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
          response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: the metrics are at /metrics\n');
          return;
        }
        metrics.registry.metrics().then(
          (text) => response.writeHead(200, { 'content-type': CONTENT_TYPE }).end(text),
          (error: unknown) => {
            app.log.error({ err: error }, 'metrics could not be collected');
            response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics could not be collected\n');
          },
        );
      });
      app.metricsServer = server;
      app.addHook(
        'onReady',
        () =>
          new Promise<void>((resolve, reject) => {
            server.once('error', reject);
            server.listen(settings.port, settings.host, () => {
              server.off('error', reject);
              app.log.info({ address: server.address() }, 'metrics served');
              resolve();
            });
          }),
      );
      app.addHook('onClose', () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())));
    }
  },
  { name: 'metrics', dependencies: ['error-handler'] },
);
