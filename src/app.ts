import { createHmac, randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Config } from './config';
import type { Database } from './db/client';
import { todayIso } from './lib/dates';
import { createMetrics } from './lib/metrics';
import { acceptableRequestId } from './lib/request-metadata';
import { logFormatOf, loggerOptions } from './logger';
import { webPlugin } from './plugins/web';
import { createIndicatorMaintainer, type IndicatorMaintainer } from './modules/indicators/indicator-maintainer';
import { apiKeysModule } from './modules/api-keys';
import { type AuditCheckpointer, auditModule, createAuditCheckpointer } from './modules/audit';
import { createApiKeysRepository } from './modules/api-keys/api-keys.repository';
import { createApiKeysService, apiKeyConfirmation } from './modules/api-keys/api-keys.service';
import { API_KEY_CHANGES_CHANNEL, type ApiKeyCache, createApiKeyCache } from './modules/api-keys/api-key-cache';
import { listenForNotifications } from './db/notifications';
import { catalogueModule } from './modules/catalogue';
import { healthModule } from './modules/health';
import { erasureModule } from './modules/erasure';
import { fhirModule } from './modules/fhir';
import { ingestModule } from './modules/ingest';
import { recordsModule } from './modules/records';
import { statisticsModule } from './modules/statistics';
import {
  createResearchReleases,
  type ResearchReleases,
  researchModule,
  researchReleasesAdminRoutes,
  researchReleasesRoutes,
} from './modules/research';
import { createStatisticsReleases, type StatisticsReleases } from './modules/statistics/statistics-releases';
import type { Calendar } from './lib/statistics/release-calendar';
import { answerFrameworkError, answerMalformedRequest, type AuditLog, auditPlugin, createAuditLog } from './plugins/audit';
import { authenticationPlugin } from './plugins/authentication';
import { errorHandlerPlugin } from './plugins/error-handler';
import { graphqlPlugin } from './plugins/graphql';
import { graphqlMetricsPlugin } from './plugins/graphql-metrics';
import { jsonBodyPlugin } from './plugins/json-body';
import { metricsPlugin } from './plugins/metrics';
import { openapiPlugin } from './plugins/openapi';
import { requestLogPlugin } from './plugins/request-log';
import { requestMetadataPlugin } from './plugins/request-metadata';
import { requestScopePlugin } from './plugins/request-scope';
import { securityPlugin } from './plugins/security';
import { shutdownPlugin } from './plugins/shutdown';

export interface AppDependencies {
  config: Config;
  database: Database;
  /** Tests pass `false` or a stream; the server passes its Pino options. */
  logger?: FastifyServerOptions['logger'];
  /** The audit writer; only the benchmark replaces it, to measure what auditing costs. */
  auditLog?: AuditLog;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Keeps the stored per-trajectory indicators up to date. */
    indicators: IndicatorMaintainer;
    /** API keys known to this instance (tests look at its state). */
    apiKeyCache: ApiKeyCache;
    /** Releases the statistics on their calendar (the server checks periodically); operators and tests run one directly. */
    statisticsReleases: StatisticsReleases;
    researchReleases: ResearchReleases;
    auditCheckpointer: AuditCheckpointer | null;
  }
}

/** Fastify's types omit the hop count its runtime accepts; the same rule as a function. */
const trustProxyOf = (setting: Config['trustProxy']) =>
  typeof setting === 'number' ? (_address: string, hop: number) => hop < setting : setting;

/** Builds the application: cross-cutting plugins first, then the feature modules. */
/** Trajectories per indicator transaction on PGlite (PostgreSQL takes the maintainer's default). */
const PGLITE_INDICATOR_BATCH = 25;

export async function buildApp({ config, database, logger, auditLog }: AppDependencies): Promise<FastifyInstance> {
  // Typed up front: the framework-error handler below refers to the instance it belongs to.
  const app: FastifyInstance = Fastify({
    logger: logger ?? loggerOptions(config.logLevel, logFormatOf(config)),
    // Accept a caller's request id only if it is a plain token that identifies no one (it is
    // logged, stored in the audit trail and echoed); otherwise make one.
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return acceptableRequestId(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    // Fastify's own request log lines hold the raw URL; request-log.ts logs the route pattern instead.
    logController: new LogController({ disableRequestLogging: true }),
    // A path that is not valid percent-encoding: answered in the error shape and audited like any refusal.
    frameworkErrors: (error, request, reply) => answerFrameworkError(app, error, request, reply),
    // Bytes that are not valid HTTP: the error shape and an audit event too, not Fastify's own body.
    clientErrorHandler: (error, socket) => answerMalformedRequest(app, error, socket),
    // Node answers an HTTP/1.1 request without Host with a bare 400 of its own (no request id, no
    // hook, no audit event): it comes through instead and is refused in request-metadata.ts.
    http: { requireHostHeader: false },
    bodyLimit: config.bodyLimitBytes,
    // While closing, the shutdown plugin refuses new requests in the service's error shape.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true },
    // Behind a reverse proxy: whose X-Forwarded-For to believe, so request.ip (the audit trail's
    // source address, the rate limits' key) is the client's and not the proxy's.
    trustProxy: trustProxyOf(config.trustProxy),
  });

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  // Keys are cached in the process and dropped on the database's notice of any key change.
  const apiKeyCache = createApiKeyCache();
  const apiKeys = createApiKeysService(createApiKeysRepository(database), { cache: apiKeyCache });
  app.decorate('apiKeyCache', apiKeyCache);
  const keyChanges = listenForNotifications(database, API_KEY_CHANGES_CHANNEL, {
    onNotify: () => apiKeyCache.invalidate(),
    onListening: () => apiKeyCache.listening(),
    onLost: (error) => {
      apiKeyCache.lost();
      app.log.warn({ err: error }, 'lost the API key change listener; keys are looked up per request until it is back');
    },
  });
  app.addHook('onClose', () => keyChanges.close());
  // PGlite runs one statement at a time and a batch holds it for its whole transaction: small
  // batches there, so requests (the readiness check among them) get in between.
  const indicators = createIndicatorMaintainer(
    database,
    {
      intakeWindowDays: config.graphql.intakeWindowDays,
      today: () => todayIso(),
      batchSize: database.kind === 'pglite' ? PGLITE_INDICATOR_BATCH : undefined,
    },
    app.log,
  );
  app.decorate('indicators', indicators);
  // Stop background indicator work after its batch in hand, before the database closes: a backlog
  // stays queued for the next start rather than holding a shutdown past its grace period.
  app.addHook('onClose', () => indicators.stop());
  const registryPseudonymKey = config.registryPseudonymKey;
  if (!registryPseudonymKey) throw new Error('buildApp needs the registry pseudonym key (see runtime/open-configured-database.ts)');
  // The youths' record keys of the statistics: their own secret, or one derived from the registry's key.
  const statisticsSecret =
    config.statistics.keySecret ?? createHmac('sha256', registryPseudonymKey).update('statistics record keys v1').digest();
  const metrics = createMetrics();
  const researchReleases = createResearchReleases(database, {
    calendar: config.statistics.releaseCalendar as Calendar,
    researchReleaseDelayDays: config.graphql.researchReleaseDelayDays,
    settle: async () => {
      await indicators.settle();
      await indicators.drain();
    },
    retention: config.graphql.researchReleaseRetention,
    // The privacy officer reads the audit trail: a release whose records were removed is an event there.
    onRetired: (release, retention) =>
      app.auditLog.recordService({
        action: 'delete',
        resourceType: 'research_release',
        operation: 'research release retired: retention',
        outcome: 'success',
        details: { release: release.id, publishedAt: release.publishedAt.toISOString(), trajectories: release.trajectories, retention },
      }),
    onRetentionFailed: (error) => app.log.error({ err: error }, 'could not retire research releases past their retention'),
  });
  app.decorate('researchReleases', researchReleases);
  const statisticsReleases = createStatisticsReleases(
    database,
    { secret: statisticsSecret, statistics: config.statistics, researchReleaseDelayDays: config.graphql.researchReleaseDelayDays },
    app.log,
    {
      // The privacy officer reads the audit trail: a postponed release is an event there.
      onPostponed: (entry) =>
        void app.auditLog
          .recordService({
            action: 'execute',
            resourceType: 'statistics_release',
            operation: 'statistics release postponed: churn',
            outcome: 'refused',
            details: { release: entry.id, churn: entry.churn, note: entry.note },
          })
          .catch((error: unknown) => app.log.error({ err: error }, 'could not record the postponed release in the audit trail')),
      // One calendar: each run also freezes what researchers see at its cut-off.
      // One calendar: the calendar's run freezes what researchers see at its cut-off; an operator's
      // run makes the period's first one only (an explicit research release has a route of its own).
      onRun: ({ period, researchCutoff, statisticsReleaseId, trigger }) =>
        researchReleases.makeForRun({ period, cutoff: researchCutoff, statisticsReleaseId, trigger }),
      researchPopulation: () => researchReleases.population(),
      onAttempt: (entry) => {
        metrics.statisticsReleases.inc({ outcome: entry.outcome });
        if (entry.outcome === 'published' && entry.finishedAt) metrics.statisticsPublished.set(entry.finishedAt.getTime() / 1000);
      },
    },
  );
  app.decorate('statisticsReleases', statisticsReleases);
  app.addHook('onClose', () => statisticsReleases.close());

  await app.register(errorHandlerPlugin);
  // First of the hooks, so every request is counted, refused ones included.
  await app.register(metricsPlugin, {
    metrics,
    settings: config.metrics,
    database,
    indicatorQueue: () => indicators.queueState(),
    statisticsChurn: () => statisticsReleases.churn(),
  });
  await app.register(requestLogPlugin);
  await app.register(jsonBodyPlugin);
  // Audit state is set up before authentication, so refused keys are audited too.
  const countAuditWrite = (outcome: string, seconds: number, failed: boolean) => {
    if (failed) return metrics.auditWriteFailures.inc();
    metrics.auditEvents.inc({ outcome });
    metrics.auditWriteDuration.observe(seconds);
  };
  await app.register(auditPlugin, {
    auditLog: auditLog ?? createAuditLog(database, { observe: countAuditWrite, confirmKeys: apiKeyConfirmation }),
  });
  // Signed checkpoints of the chain, outside the database (AUDIT_CHECKPOINT_KEY_FILE): at intervals,
  // and once more on close, after the audit log has settled (hooks close in the order they were added).
  const checkpointer = config.auditCheckpoints ? createAuditCheckpointer(database, config.auditCheckpoints, app.log) : null;
  app.decorate('auditCheckpointer', checkpointer);
  if (checkpointer) {
    app.addHook('onReady', async () => checkpointer.start());
    app.addHook('onClose', () => checkpointer.close());
  }
  await app.register(shutdownPlugin);
  // Headers, CORS and rate limits: before every route (they attach to routes as they are added)
  // and before authentication (failed authentications are counted per address).
  await app.register(securityPlugin, config.security);
  await app.register(openapiPlugin);
  await app.register(requestMetadataPlugin);
  await app.register(authenticationPlugin, { apiKeys });
  await app.register(requestScopePlugin);
  await app.register(webPlugin, { graphiql: config.graphql.graphiql });
  await app.register(graphqlPlugin, {
    // GraphiQL is served from the service's own assets (plugins/web.ts), never Mercurius' CDN page.
    graphiql: false,
    introspection: config.graphql.introspection,
    queryDepth: 10,
    maxAliases: config.graphql.maxAliases,
    maxCost: config.graphql.maxCost,
    maxPageSize: config.graphql.maxPageSize,
  });
  await app.register(graphqlMetricsPlugin);

  // REST features validate and serialise with Zod. The compilers are set in this encapsulated
  // context, not on the root, where they would break Mercurius' own routes.
  await app.register(async (api) => {
    api.setValidatorCompiler(validatorCompiler);
    api.setSerializerCompiler(serializerCompiler);
    await api.register(healthModule, { database });
    await api.register(catalogueModule, { database });
    await api.register(apiKeysModule, { apiKeys });
    await api.register(recordsModule, { database, config: { ...config, registryPseudonymKey } });
    await api.register(ingestModule, { database, config: { ...config, registryPseudonymKey } });
    await api.register(fhirModule, { database, config: { ...config, registryPseudonymKey } });
    await api.register(erasureModule, { database, registryPseudonymKey });
    await api.register(auditModule, { database, registryPseudonymKey });
    await api.register(statisticsModule, { database, settings: config.statistics, releases: statisticsReleases });
    await api.register(researchReleasesRoutes, { prefix: '/api/v1', releases: researchReleases, database, settings: config.graphql });
    await api.register(researchReleasesAdminRoutes, { prefix: '/api/v1', releases: researchReleases });
  });
  // After the catalogue, whose GraphQL types (Setting, Domain, ...) it uses.
  await app.register(researchModule, { database, settings: config.graphql, releases: researchReleases });

  return app;
}
